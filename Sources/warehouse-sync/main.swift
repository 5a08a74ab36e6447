import CLI
import Foundation

// Everything but main() lives in the WarehouseSync library.
// Whatever a library or SQLite creates on our behalf is its owner's only; files meant to be
// shared (the metrics file) set their mode themselves.
umask(0o077)
let status = await CLI.run(CLIContext(arguments: Array(CommandLine.arguments.dropFirst())))
exit(status)
