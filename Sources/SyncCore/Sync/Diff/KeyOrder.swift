/// The merge join's precondition, checked row by row: keys arrive in strictly increasing byte
/// order. A key equal to the previous one is a duplicate, counted (the first few are kept to name
/// them); a key before it stops the diff.
struct KeyOrder {
    let model: String
    private let lastKey = ByteScratch()
    private var hasLastKey = false
    private var currentDuplicate: [UInt8]?
    /// The first duplicate keys with how often each appeared.
    private(set) var duplicates: [(key: String, count: Int)] = []
    /// How many keys appeared more than once.
    private(set) var duplicateKeys = 0
    private static let duplicateLimit = 5

    init(model: String) { self.model = model }

    /// Takes `key` as the next row's: true for a new key, false for a repeat of the previous one.
    /// - Throws: `SyncError` (`.keyOrder`) for a key that sorts before the previous one.
    mutating func admit(_ key: UnsafeRawBufferPointer) throws -> Bool {
        if hasLastKey {
            let order = compareBytes(lastKey.bytes, key)
            if order == 0 {
                noteDuplicate(key)
                return false
            }
            guard order < 0 else {
                throw SyncError(
                    .keyOrder, model: model,
                    "the source returned key \(String(decoding: key, as: UTF8.self)) after "
                        + "\(String(decoding: lastKey.bytes, as: UTF8.self)): rows are not in byte order of the key",
                    hint: "the source's collation differs from byte order; report this with the source kind")
            }
        }
        lastKey.removeAll()
        lastKey.append(key)
        hasLastKey = true
        return true
    }

    private mutating func noteDuplicate(_ key: UnsafeRawBufferPointer) {
        if let current = currentDuplicate, current.withUnsafeBytes({ compareBytes($0, key) }) == 0 {
            if duplicates.count == duplicateKeys { duplicates[duplicates.count - 1].count += 1 }
        } else {
            currentDuplicate = Array(key)
            duplicateKeys += 1
            if duplicates.count < Self.duplicateLimit { duplicates.append((String(decoding: key, as: UTF8.self), 2)) }
        }
    }
}
