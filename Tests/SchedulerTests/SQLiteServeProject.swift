import Foundation
import TestSupport

@testable import Drivers

/// A new project directory over a SQLite warehouse `wh.db` (filled by `warehouseSQL`) and a
/// SQLite store `state.db`, with a `[server]` on a free port of 127.0.0.1 and no token, and
/// `models` (name → file text) in models/.
func sqliteServeProject(warehouseSQL: String, models: [String: String]) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ws-serve-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
        at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
    let warehouse = try SQLiteDatabase(path: directory.appendingPathComponent("wh.db").path, create: true)
    try warehouse.execute(warehouseSQL)
    try """
    [store]
    url = "sqlite:state.db"
    [sources.wh]
    kind = "sqlite"
    path = "wh.db"
    [server]
    listen = "127.0.0.1:0"
    """.write(to: directory.appendingPathComponent("warehouse-sync.toml"), atomically: true, encoding: .utf8)
    for (name, text) in models {
        try text.write(to: directory.appendingPathComponent("models/\(name).sql"), atomically: true, encoding: .utf8)
    }
    return directory
}
