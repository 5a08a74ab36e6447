import CLI
import Foundation

// Everything but main() lives in the WarehouseSync library.
// Whatever a library or SQLite creates on our behalf is its owner's only; files meant to be
// shared (the metrics file) set their mode themselves.
umask(0o077)
// A closed pipe is a failed write the console reports, never a signal that kills a run or serve.
signal(SIGPIPE, SIG_IGN)
let status = await CLI.run(CLIContext(arguments: Array(CommandLine.arguments.dropFirst())))
// _exit, not exit: exit's handlers tear down OpenSSL (loaded by libcurl and libpq) while a worker
// thread that used it may still be ending, whose thread-local destructor then calls into the freed
// library (a SIGSEGV at exit, seen a few times in 200 syncs with a destination). Every store
// commit is already durable here and nothing else is buffered but stdio, flushed first.
fflush(nil)
_exit(status)
