import Foundation
import SyncCore

/// The limits a destination documents for one request, and how a set of changes is cut to fit:
/// a change that can never fit becomes a dead letter at once, with the reason, instead of being
/// found by halving a rejected batch.
struct DeliveryBatches {
    /// Changes to send, in order, each group within the limits.
    var batches: [[OutboxItem]] = []
    /// Changes over a limit on their own, with the reason.
    var tooLarge: [(item: OutboxItem, reason: String)] = []

    /// Segment's HTTP Tracking API: 32 KB a message, 500 KB a batch request (a larger one is
    /// answered 400 for the whole batch), and a `messageId` of at most 100 characters.
    /// Source: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size
    /// Batches stop at 480,000 bytes, under 500 KB however a kilobyte is counted, as Segment's own
    /// libraries do.
    enum Segment {
        static let messageBytes = 32 * 1000
        static let batchBytes = 480_000
        /// `{"batch":[` and `]}`.
        static let envelopeBytes = 12
    }

    /// Cuts `items` for `destination`; a webhook has no documented limit and gets one batch.
    init(_ destination: DestinationConfig, _ items: [OutboxItem]) {
        guard destination.kind == .segment else {
            if !items.isEmpty { batches = [items] }
            return
        }
        var current: [OutboxItem] = []
        var size = Segment.envelopeBytes
        for item in items {
            let bytes = DeliveryRequest.segmentMessage(item).count
            if bytes > Segment.messageBytes {
                tooLarge.append(
                    (
                        item,
                        "the Segment message for key \(item.key) is \(bytes) bytes, over Segment's limit of "
                            + "\(Segment.messageBytes) bytes a message: its traits are too large to deliver "
                            + "(make the model send fewer or shorter traits)"
                    ))
                continue
            }
            if !current.isEmpty && size + 1 + bytes > Segment.batchBytes {
                batches.append(current)
                current = []
                size = Segment.envelopeBytes
            }
            size += (current.isEmpty ? 0 : 1) + bytes
            current.append(item)
        }
        if !current.isEmpty { batches.append(current) }
    }
}
