// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "WarehouseSync",
    products: [
        .executable(name: "warehouse-sync", targets: ["warehouse-sync"]),
        .library(name: "WarehouseSync", targets: ["WarehouseSync"]),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CODBC", pkgConfig: "odbc", providers: [.apt(["unixodbc-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .target(name: "Connectors", dependencies: ["CLibPQ", "CODBC", "CSQLite"]),
        .target(name: "WarehouseSync", dependencies: ["Connectors", "CXXHash"]),
        .executableTarget(name: "warehouse-sync", dependencies: ["WarehouseSync"]),
        .target(name: "TestSupport", dependencies: ["Connectors"], path: "Tests/TestSupport"),
        .testTarget(name: "ConnectorTests", dependencies: ["Connectors", "TestSupport"]),
        .testTarget(
            name: "SchedulerTests", dependencies: ["WarehouseSync", "Connectors", "TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "WarehouseSyncTests", dependencies: ["WarehouseSync", "Connectors", "TestSupport"]),
    ]
)
