import Foundation

extension Value {
    /// The value as a measure (a count, bytes, milliseconds), or nil when it is no number: what a
    /// warehouse's metadata row holds, in whichever type its driver reports.
    public var measure: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .decimal(let s), .text(let s): return Double(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }
}
