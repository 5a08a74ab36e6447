// OpenSSL 3 libcrypto: only the headers the Crypto target calls. OPENSSL_API_COMPAT plus
// OPENSSL_NO_DEPRECATED hide every interface deprecated in 3.0 or earlier (RSA_*, SHA256_Init,
// HMAC_CTX_*, ...), so nothing new can grow on them.
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
