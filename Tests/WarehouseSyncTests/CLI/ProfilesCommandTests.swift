import Foundation
import TestSupport
import Testing

@testable import CLI
@testable import Stores
@testable import SyncCore
@testable import WarehouseSync

/// `profiles`: list and search profiles in key byte order, page by page, on both stores.
@Suite struct ProfilesCommandTests {
    func fixture(_ store: StoreKind) async throws -> SyncFixture {
        let f = try SyncFixture(store: store)
        try f.warehouse(
            """
            CREATE TABLE c (id text, risk text, ltv numeric(10,2), vip boolean, code text);
            INSERT INTO c VALUES ('a1', 'high', 10.50, true, NULL), ('a2', 'low', 20, false, '01234'),
                ('B1', 'high', 7, NULL, NULL), ('a10', 'high', 10.5, false, NULL), ('é', 'low', 1, true, NULL);
            """)
        try f.model("m", "-- key: id\nSELECT id, risk, ltv, vip, code FROM c\n")
        #expect(await runCLI(["sync", "m"], in: f.directory).status == 0)
        return f
    }

    func keys(_ out: String) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        return (object?["profiles"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
    }

    @Test(arguments: StoreKind.allCases)
    func profilesAreListedAndSearchedInKeyOrder(store: StoreKind) async throws {
        let f = try await fixture(store)
        func list(_ args: [String]) async throws -> (keys: [String], err: String) {
            let result = await runCLI(["profiles", "--json"] + args, in: f.directory)
            #expect(result.status == 0, "\(args): \(result.err)")
            return (try keys(result.out), result.err)
        }
        #expect(try await list([]).keys == ["B1", "a1", "a10", "a2", "é"], "byte order")
        #expect(try await list(["--prefix", "a1"]).keys == ["a1", "a10"])
        #expect(try await list(["--where", "risk=high"]).keys == ["B1", "a1", "a10"])
        #expect(try await list(["--where", "ltv=10.50"]).keys == ["a1", "a10"], "numbers compare canonically")
        #expect(try await list(["--where", "vip=true"]).keys == ["a1", "é"])
        #expect(try await list(["--where", "vip=null"]).keys == ["B1"])
        let first = try await list(["--limit", "2"])
        #expect(first.keys == ["B1", "a1"] && first.err.contains("--after a1"), "\(first.err)")
        #expect(try await list(["--limit", "2", "--after", "a1"]).keys == ["a10", "a2"])
        #expect(try await list(["--where", "ltv=1.05e1"]).keys == ["a1", "a10"], "an exponent names the same number")
        #expect(try await list(["--where", "risk=\"high\""]).keys == ["B1", "a1", "a10"], "quoted: text")
        #expect(try await list(["--where", "code=\"01234\""]).keys == ["a2"], "text that looks like a number")
        #expect(try await list(["--where", "code=1234"]).keys.isEmpty)
        let bad = await runCLI(["profiles", "--where", "risk"], in: f.directory)
        #expect(bad.status == 2 && bad.err.contains("TRAIT=VALUE"))
        let table = await runCLI(["profiles", "--has", "vip"], in: f.directory)
        #expect(table.out.hasPrefix("KEY") && table.out.contains("high"), "\(table.out)")
    }
}
