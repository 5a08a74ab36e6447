import Drivers
import Foundation
import SyncCore

/// The HTTP request for a batch of outbox changes, in the destination's payload format (docs/destinations.md).
struct DeliveryRequest {
    var url: URL
    var headers: [(String, String)]
    var body: Data
    /// `Idempotency-Key`: derived from the destination and the changes in the batch, so a batch
    /// rebuilt after a crash with the same changes carries the same key.
    var idempotencyKey: String

    init(_ destination: DestinationConfig, _ items: [OutboxItem]) {
        idempotencyKey = Self.batchKey(destination.name, items)
        headers = destination.headers.map { ($0.name, $0.value.reveal()) }
        headers.append(("Idempotency-Key", idempotencyKey))
        var out: [UInt8] = []
        switch destination.kind {
        case .webhook:
            url = destination.url
            out += Array("{\"destination\":".utf8)
            appendJSONString(destination.name, to: &out)
            out += Array(",\"batch\":".utf8)
            appendJSONString(idempotencyKey, to: &out)
            out += Array(",\"changes\":[".utf8)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += Array("{\"idempotency_key\":".utf8)
                appendJSONString(item.idempotencyKey, to: &out)
                for (name, value) in [("key", item.key), ("model", item.model), ("run", item.run)] {
                    out += Array(",\"\(name)\":".utf8)
                    appendJSONString(value, to: &out)
                }
                out += Array(",\"set\":\(item.setJSON),\"unset\":\(item.unsetJSON)}".utf8)
            }
            out += Array("]}".utf8)
        case .segment:
            url = destination.url.appendingPathComponent("v1").appendingPathComponent("batch")
            let auth = Data("\(destination.writeKey?.reveal() ?? ""):".utf8).base64EncodedString()
            headers.append(("Authorization", "Basic \(auth)"))
            out += Array("{\"batch\":[".utf8)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += Self.segmentMessage(item)
            }
            out += Array("]}".utf8)
        }
        body = Data(out)
    }

    /// One change as a Segment `identify` call. Its `messageId` is a digest of the change's
    /// idempotency key: the same on every retry, and 32 characters whatever the key's length.
    /// `context.warehouse_sync` names the model and run that made the change.
    static func segmentMessage(_ item: OutboxItem) -> [UInt8] {
        var out = Array("{\"type\":\"identify\",\"userId\":".utf8)
        appendJSONString(item.key, to: &out)
        out += Array(",\"traits\":".utf8)
        out += Self.segmentTraits(item)
        out += Array(",\"messageId\":".utf8)
        appendJSONString(digest(Array(item.idempotencyKey.utf8)), to: &out)
        out += Array(",\"timestamp\":".utf8)
        appendJSONString(formatInstant(item.enqueuedAt), to: &out)
        out += Array(",\"context\":{\"warehouse_sync\":{\"model\":".utf8)
        appendJSONString(item.model, to: &out)
        out += Array(",\"run\":".utf8)
        appendJSONString(item.run, to: &out)
        out += Array("}}}".utf8)
        return out
    }

    /// The set traits with each unset trait added as `null` (Segment has no unset).
    static func segmentTraits(_ item: OutboxItem) -> [UInt8] {
        let unset = (try? JSONDecoder().decode([String].self, from: Data(item.unsetJSON.utf8))) ?? []
        var out = Array(item.setJSON.utf8.dropLast())  // without the closing brace
        for name in unset {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            appendJSONString(name, to: &out)
            out += Array(":null".utf8)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// 32 hex digits: XXH3 with two seeds over the destination and the changes' idempotency keys
    /// in order.
    static func batchKey(_ destination: String, _ items: [OutboxItem]) -> String {
        var text = Array(destination.utf8)
        for item in items {
            text.append(0)
            text += item.idempotencyKey.utf8
        }
        return digest(text)
    }

    /// 32 hex digits: XXH3 of `text` with two seeds.
    static func digest(_ text: [UInt8]) -> String {
        let hashing = XXH3Hashing()
        let first = text.withUnsafeBytes { hashing.hash($0, seed: 1) }
        let second = text.withUnsafeBytes { hashing.hash($0, seed: 2) }
        return String(format: "%016llx%016llx", first, second)
    }
}
