import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The delegate of `HTTPClient`'s session: it keeps each answer's status, headers and body up to
/// the request's limit, then stops reading (a peer answering with hundreds of MB costs nothing more),
/// and never follows a redirect (a 3xx is handed back as the answer).
final class HTTPExchange: NSObject, URLSessionDataDelegate, Sendable {
    struct State {
        var status: Int?
        var headers: [String: String] = [:]
        var body = Data()
        var bodyLimit: Int?
        var error: URLError?
        var finished: (@Sendable () -> Void)?
    }

    private let states = Mutex<[Int: State]>([:])

    func begin(_ task: Int, bodyLimit: Int?, finished: @escaping @Sendable () -> Void) {
        states.withLock { $0[task] = State(bodyLimit: bodyLimit, finished: finished) }
    }

    func end(_ task: Int) -> State { states.withLock { $0.removeValue(forKey: task) } ?? State() }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let response = response as? HTTPURLResponse {
            var headers: [String: String] = [:]
            for (name, value) in response.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            states.withLock {
                $0[dataTask.taskIdentifier]?.status = response.statusCode
                $0[dataTask.taskIdentifier]?.headers = headers
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let full = states.withLock { states -> Bool in
            guard var state = states[dataTask.taskIdentifier] else { return true }
            let room = (state.bodyLimit ?? .max) - state.body.count
            state.body.append(data.prefix(room))
            states[dataTask.taskIdentifier] = state
            return state.bodyLimit.map { state.body.count >= $0 } ?? false
        }
        if full { dataTask.cancel() }  // the status and the body up to the limit are all that is kept
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let finished = states.withLock { states -> (@Sendable () -> Void)? in
            if let error = error as? URLError, states[task.taskIdentifier]?.status == nil {
                states[task.taskIdentifier]?.error = error
            }
            return states[task.taskIdentifier]?.finished
        }
        finished?()
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
