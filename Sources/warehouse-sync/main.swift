import Foundation
import WarehouseSync

// Everything but main() lives in the WarehouseSync library.
let status = await CLI.run(CLIContext(arguments: Array(CommandLine.arguments.dropFirst())))
exit(status)
