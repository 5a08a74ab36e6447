// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; a target imports only those below it, so the compiler rejects a back-edge:
// SyncCore (pure Swift, no C) → Drivers (C handle owners) → Connectors (warehouse sources) and
// Stores (profile stores) → WarehouseSync (runner, scheduler service, project) → CLI → executable.
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
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "SyncCore", swiftSettings: [.enableExperimentalFeature("Lifetimes")]),
        .target(
            name: "Drivers",
            dependencies: [
                "SyncCore", "CLibPQ", "CODBC", "CSQLite", "CXXHash", "CMicroHTTPD", "CLibCrypto",
            ]),
        // Connectors speaks to Drivers' types only: every C call is a Driver's.
        .target(name: "Connectors", dependencies: ["SyncCore", "Drivers"]),
        .target(name: "Stores", dependencies: ["SyncCore", "Drivers"]),
        .target(name: "WarehouseSync", dependencies: ["SyncCore", "Drivers", "Connectors", "Stores"]),
        .target(name: "CLI", dependencies: ["SyncCore", "Drivers", "Connectors", "Stores", "WarehouseSync"]),
        .executableTarget(name: "warehouse-sync", dependencies: ["CLI"]),
        .target(name: "TestSupport", dependencies: ["SyncCore", "Drivers", "Connectors"], path: "Tests/TestSupport"),
        // The pure layer's tests import SyncCore only: no database, no C library, no file but fixtures.
        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore"], exclude: ["Fixtures"]),
        // The store's logic through its engine seam, with a recording fake of that seam.
        .testTarget(name: "StoresTests", dependencies: ["SyncCore", "Stores"]),
        .testTarget(name: "ConnectorTests", dependencies: ["SyncCore", "Drivers", "Connectors", "TestSupport"]),
        .testTarget(
            name: "SchedulerTests",
            dependencies: ["SyncCore", "Drivers", "Connectors", "Stores", "WarehouseSync", "CLI", "TestSupport"]),
        .testTarget(
            name: "WarehouseSyncTests",
            dependencies: ["SyncCore", "Drivers", "Connectors", "Stores", "WarehouseSync", "CLI", "TestSupport"]),
    ]
)
