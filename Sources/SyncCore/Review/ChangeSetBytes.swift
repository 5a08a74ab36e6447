extension ChangeSpool {
    /// Feeds the change set to `update` as one byte stream that depends only on what the changes
    /// write, in order: for each change its kind, key, each set trait's name and canonical value,
    /// and each unset trait's name, every field ended by a 0 byte. Row hashes and old values are
    /// left out, so the same changes read over another wire form give the same bytes. A saved
    /// plan's change-set digest is taken over this stream (docs/drift-and-plans.md).
    /// - Throws: `SpoolError` when the spool cannot be read back.
    package func canonicalBytes(traitNames: [String], into update: (UnsafeRawBufferPointer) -> Void) throws {
        var buffer: [UInt8] = []
        func field(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            buffer.append(0)
        }
        try forEach { change in
            buffer.removeAll(keepingCapacity: true)
            buffer.append(change.kind.rawValue)
            buffer.append(0)
            field(change.key)
            if !change.setTraits.isEmpty {
                let values = change.traits.traits(count: traitNames.count)
                for index in change.setTraits {
                    field(traitNames[index])
                    field(index < values.count ? values[index] : "")
                }
            }
            buffer.append(1)
            for name in change.unsetTraits { field(name) }
            buffer.append(2)
            buffer.withUnsafeBytes(update)
        }
    }
}
