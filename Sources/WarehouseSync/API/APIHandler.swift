import Drivers
import Foundation
import Stores
import SyncCore
import Synchronization

/// The HTTP API and dashboard of `serve` (docs/http-api.md), answering on the HTTP server's threads. JSON
/// shapes are the CLI's `--json` (`ReportJSON`); errors are `{"error": "..."}` with the status
/// code saying what kind.
public final class APIHandler: Sendable {
    /// The largest body a request may have (a trigger's options); larger ones get 413.
    public static let maxBody = 64 << 10

    let project: Mutex<Project>
    private let pool: StorePool
    private let auth: BearerAuth
    private let browsers: BrowserGuard
    let control: any ServiceControl
    private let metrics: @Sendable () -> String
    let now: @Sendable () -> Date
    let dbtCloudRuns: DbtCloudRunLog

    /// - Parameters:
    ///   - control: the scheduler that triggers queue runs on.
    ///   - metrics: the Prometheus text `GET /metrics` serves.
    public init(
        project: Project, control: any ServiceControl, metrics: @escaping @Sendable () -> String,
        now: @escaping @Sendable () -> Date
    ) {
        self.project = Mutex(project)
        pool = StorePool(location: project.storeLocation)
        auth = BearerAuth(token: project.config.server?.token)
        browsers = BrowserGuard(server: project.config.server)
        self.control = control
        self.metrics = metrics
        self.now = now
        dbtCloudRuns = DbtCloudRunLog(projectDirectory: project.directory)
    }

    /// Takes a reloaded project (its models; the store, listen address and token need a restart).
    public func update(_ project: Project) { self.project.withLock { $0 = project } }

    /// What is refused on the headers alone, before a body is read: a request a web page of
    /// another site could have made (421, 403, 415; `BrowserGuard`), one without valid credentials
    /// (401), a declared body over the limit (413). Nil when the request may go on.
    public func preflight(_ request: HTTPRequest) -> HTTPResponse? {
        if let refusal = browsers.refusal(request) { return error(refusal.status, refusal.message) }
        let path = Self.normalized(request.path)
        if path == "/healthz" || path == "/metrics" || (path == "/" && request.query["token"] != nil) { return nil }
        // The dbt Cloud hook carries its own credential: the body's HMAC (`dbtCloudHook`).
        if path != Self.dbtCloudHookPath, let refusal = unauthorized(request, path) { return refusal }
        if let length = request.headers["content-length"].flatMap({ Int($0) }), length > Self.maxBody {
            return error(413, "the body is over \(Self.maxBody / 1024) KB")
        }
        return nil
    }

    private static func normalized(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    private func isAuthorized(_ request: HTTPRequest) -> Bool {
        auth.allows(authorization: request.headers["authorization"], cookie: request.cookies[BearerAuth.cookieName])
    }

    /// 401 unless the request carries the token (`Authorization: Bearer`), or, for a read, the
    /// session cookie: a cookie alone never triggers a run (a page of another site on this host
    /// could send it).
    private func unauthorized(_ request: HTTPRequest, _ path: String) -> HTTPResponse? {
        let reading = request.method == "GET" || request.method == "HEAD"
        let cookie = reading ? request.cookies[BearerAuth.cookieName] : nil
        guard !auth.allows(authorization: request.headers["authorization"], cookie: cookie) else { return nil }
        var response = error(
            401,
            path == "/"
                ? "open /?token=TOKEN once to sign in (the [server] token)"
                : "send Authorization: Bearer TOKEN (the [server] token)")
        response.headers.append(("WWW-Authenticate", "Bearer"))
        return response
    }

    /// Answers one request; never throws: a failure is a 5xx with what went wrong.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        if let refusal = browsers.refusal(request) { return error(refusal.status, refusal.message) }
        let path = Self.normalized(request.path)
        // Probes and scrapers carry no token; without one, /healthz tells only whether and why not.
        if path == "/healthz" { return only("GET", request) { healthz(full: isAuthorized(request)) } }
        if path == "/metrics" {
            return only("GET", request) {
                HTTPResponse(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(metrics().utf8))
            }
        }
        if path == "/", let offered = request.query["token"], auth.isRequired {
            guard let session = auth.session(for: offered) else {
                var refused = error(401, "the token is not valid")
                refused.headers.append(("WWW-Authenticate", "Bearer"))
                return refused
            }
            // Secure when the dashboard is reached over https (public_url says so).
            let secure = project.withLock { $0.config.server?.publicURL?.hasPrefix("https://") ?? false }
            return HTTPResponse(
                status: 303, contentType: "text/plain", body: Array("see /\n".utf8),
                headers: [
                    ("Location", "/"),
                    (
                        "Set-Cookie",
                        "\(BearerAuth.cookieName)=\(session); HttpOnly; SameSite=Strict; Path=/"
                            + (secure ? "; Secure" : "")
                    ),
                ])
        }
        if path == Self.dbtCloudHookPath { return only("POST", request) { dbtCloudHook(request) } }
        if let refusal = unauthorized(request, path) { return refusal }
        do {
            return try route(request, path)
        } catch let failure as APIError {
            return error(failure.status, failure.message)
        } catch {
            return self.error(503, "the store could not be read: \(project.withLock { $0.secrets }.redact("\(error)"))")
        }
    }

    private func route(_ request: HTTPRequest, _ path: String) throws -> HTTPResponse {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch parts {
        case [""]:
            return try only("GET", request) { try dashboard() }
        case let p where p.count == 2 && p[0] == "runs":
            return try only("GET", request) { try runPage(id: p[1]) }
        case ["v1", "status"]:
            return try only("GET", request) { json(200, ReportJSON.encode(try status())) }
        case ["v1", "runs"]:
            return try only("GET", request) { try runs(request.query) }
        case let p where p.count == 3 && p[0] == "v1" && p[1] == "runs":
            return try only("GET", request) { try run(id: p[2]) }
        case let p where p.count == 4 && p[0] == "v1" && p[1] == "models" && p[3] == "runs":
            return try only("POST", request) { try trigger(model: p[2], request) }
        case ["v1", "profiles"]:
            return try only("GET", request) { try profiles(request.query) }
        case let p where p.count >= 3 && p[0] == "v1" && p[1] == "profiles":
            return try only("GET", request) { try profile(key: p[2...].joined(separator: "/")) }
        case ["v1", "changes"]:
            return try only("GET", request) { try changes(request.query) }
        default:
            throw APIError(404, "no such endpoint: \(request.method) \(path)")
        }
    }

    // MARK: - Endpoints

    /// The whole status report with credentials; without, `{"healthy": bool, "problems": [codes]}`
    /// only, since the report names customer keys and warehouse errors.
    private func healthz(full: Bool) -> HTTPResponse {
        do {
            let report = try status()
            if full { return json(report.healthy ? 200 : 503, ReportJSON.encode(report)) }
            return json(report.healthy ? 200 : 503, ReportJSON.encode(HealthSummary(report)))
        } catch {
            return json(
                503, ReportJSON.encode(HealthSummary(healthy: false, problems: [HealthProblem.storeUnreadable])))
        }
    }

    private func status() throws -> StatusReport {
        let project = self.project.withLock { $0 }
        let now = self.now()
        return try pool.with { try StatusReport.read(from: $0, project: project, now: now) }
    }

    private func runs(_ query: [String: String]) throws -> HTTPResponse {
        let limit = try integer(query["limit"], name: "limit", default: 20, range: 1...1000)
        let model = query["model"].flatMap { $0.isEmpty ? nil : $0 }
        let runs = try pool.with { try $0.runs(model: model, limit: limit) }
        // A model whose file was removed still has its history.
        if let model, runs.isEmpty, project.withLock({ $0.model(named: model) }) == nil {
            throw APIError(404, "unknown model \(model)")
        }
        return json(200, ReportJSON.encode(["runs": runs]))
    }

    private func run(id: String) throws -> HTTPResponse {
        if let detail = try pool.with({ store in
            try store.run(id: id).map { RunDetail(run: $0, invalidRows: try store.invalidRows(run: id)) }
        }) {
            return json(200, ReportJSON.encode(detail))
        }
        let control = self.control
        if let live = waitFor({ await control.liveRun(id: id) }) { return json(200, ReportJSON.encode(live)) }
        throw APIError(404, "no run \(id)")
    }

    private func trigger(model name: String, _ request: HTTPRequest) throws -> HTTPResponse {
        if request.bodyTooLarge { throw APIError(413, "the body is over \(Self.maxBody / 1024) KB") }
        let options = try TriggerBody.parse(request.body)
        guard let model = project.withLock({ $0.model(named: name) }) else {
            throw APIError(404, "unknown model \(name)")
        }
        guard model.enabled else { throw APIError(409, "model \(name) is disabled (enabled: false in \(model.file))") }
        let control = self.control
        let runID = RunRecord.newID(at: now())
        let (result, running) = waitFor {
            await control.trigger(
                model: name, request: RunRequest(full: options.full, force: options.force, runID: runID),
                queue: options.queue)
        }
        var out: [UInt8] = []
        switch result {
        case .queued(let id), .joined(let id):
            JSONFields.object([("model", .string(name)), ("queued", .raw("true")), ("run", .string(id))], to: &out)
            return HTTPResponse(status: 202, contentType: "application/json", body: out)
        case .running:
            JSONFields.object([("model", .string(name)), ("running", .string(running))], to: &out)
            return HTTPResponse(status: 409, contentType: "application/json", body: out)
        case .unknownModel:
            throw APIError(404, "model \(name) is not scheduled by this serve (reload pending?)")
        case .shuttingDown:
            throw APIError(503, "the service is shutting down; trigger the run again once it is back")
        }
    }

    private func profile(key: String) throws -> HTTPResponse {
        guard let profile = try pool.with({ try $0.profile(key: key) }) else {
            throw APIError(404, "no profile with key \(key)")
        }
        return json(200, ReportJSON.profile(profile))
    }

    /// `GET /v1/profiles?prefix=&trait=&value=&after=&limit=`: as `profiles --json`; `value` is the
    /// trait's canonical JSON (`"high"`, `750`).
    private func profiles(_ query: [String: String]) throws -> HTTPResponse {
        func nonEmpty(_ name: String) -> String? { query[name].flatMap { $0.isEmpty ? nil : $0 } }
        let limit = try integer(query["limit"], name: "limit", default: 50, range: 1...10_000)
        if nonEmpty("value") != nil && nonEmpty("trait") == nil {
            throw APIError(400, "value needs trait: /v1/profiles?trait=churn_risk&value=%22high%22")
        }
        let request = ProfileQuery(
            keyPrefix: nonEmpty("prefix"), trait: nonEmpty("trait"), value: nonEmpty("value"),
            after: nonEmpty("after"), limit: limit + 1)
        let found = try pool.with { try $0.profiles(request) }
        let page = Array(found.prefix(limit))
        return json(200, ReportJSON.profiles(page, nextAfter: found.count > limit ? page.last?.key : nil))
    }

    private func changes(_ query: [String: String]) throws -> HTTPResponse {
        var changeQuery = ChangeQuery(
            limit: try integer(query["limit"], name: "limit", default: 100, range: 1...10_000))
        changeQuery.model = query["model"].flatMap { $0.isEmpty ? nil : $0 }
        changeQuery.run = query["run"].flatMap { $0.isEmpty ? nil : $0 }
        changeQuery.key = query["key"].flatMap { $0.isEmpty ? nil : $0 }
        if let since = query["since"], !since.isEmpty {
            guard let date = parseInstant(since) else {
                throw APIError(400, "invalid since \(since): write an instant such as 2026-03-01T12:00:00Z or a date")
            }
            changeQuery.since = date
        }
        let changes = try pool.with { [changeQuery] in try $0.changes(changeQuery) }
        if let model = changeQuery.model, changes.isEmpty, project.withLock({ $0.model(named: model) }) == nil {
            throw APIError(404, "unknown model \(model)")
        }
        return json(200, ReportJSON.changes(changes))
    }

    private func dashboard() throws -> HTTPResponse {
        let project = self.project.withLock { $0 }
        let now = self.now()
        let page = try pool.with { store in
            let report = try StatusReport.read(from: store, project: project, now: now)
            var history: [String: [RunRecord]] = [:]
            let since = now.addingTimeInterval(-Dashboard.days * 86400)
            for model in project.models {
                history[model.name] = try store.runs(model: model.name, limit: Dashboard.runLimit).filter {
                    $0.startedAt >= since
                }
            }
            return Dashboard(project: project, report: report, history: history, now: now).html
        }
        return Self.page(page)
    }

    /// A run's page; 404 when the store has no such run.
    private func runPage(id: String) throws -> HTTPResponse {
        guard
            let (run, invalidRows) = try pool.with({ store in
                try store.run(id: id).map { ($0, try store.invalidRows(run: id)) }
            })
        else {
            var missing = Self.page(
                Dashboard.head(title: "no such run") + "<p>No run \(escape(id)). <a href=\"/\">The dashboard</a></p>")
            missing.status = 404
            return missing
        }
        return Self.page(RunPage(run: run, invalidRows: invalidRows).html)
    }

    private static func page(_ html: String) -> HTTPResponse {
        HTTPResponse(
            status: 200, contentType: "text/html; charset=utf-8", body: Array(html.utf8),
            headers: [
                // No script runs on the page and nothing is loaded from elsewhere.
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
                ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"),
                ("Referrer-Policy", "no-referrer"),
            ])
    }

    // MARK: - Helpers

    private func only(_ method: String, _ request: HTTPRequest, _ body: () throws -> HTTPResponse) rethrows
        -> HTTPResponse
    {
        guard request.method == method || (method == "GET" && request.method == "HEAD") else {
            var response = error(405, "\(request.method) is not allowed here; use \(method)")
            response.headers.append(("Allow", method == "GET" ? "GET, HEAD" : method))
            return response
        }
        return try body()
    }

    private func integer(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError(400, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    func json(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: Array(text.utf8))
    }

    func error(_ status: Int, _ message: String) -> HTTPResponse {
        var out: [UInt8] = []
        JSONFields.object([("error", .string(message))], to: &out)
        return HTTPResponse(status: status, contentType: "application/json", body: out)
    }
}

/// A request the API refuses, with its status code.
struct APIError: ReportedError {
    var status: Int
    var message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
    var errorCode: String { "api.http_\(status)" }
    var hint: String? { nil }
    /// A 409 (the model is running) or a 503 may succeed later; the other refusals will not.
    var isTransient: Bool { status == 409 || status == 503 }
    var description: String { message }
}

/// The trigger's optional body: `{"full": false, "force": false, "queue": true}`.
struct TriggerBody {
    var full = false
    var force = false
    var queue = true

    /// - Throws: `APIError` 400 naming what is wrong.
    static func parse(_ body: [UInt8]) throws -> TriggerBody {
        var options = TriggerBody()
        guard !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { return options }
        guard (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any] else {
            throw APIError(
                400, "the body is not a JSON object; send {\"full\": false, \"force\": false, \"queue\": true}")
        }
        guard let object = try? JSONDecoder().decode([String: Bool].self, from: Data(body)) else {
            throw APIError(
                400, "each option must be true or false: {\"full\": false, \"force\": false, \"queue\": true}")
        }
        for (key, flag) in object {
            switch key {
            case "full": options.full = flag
            case "force": options.force = flag
            case "queue": options.queue = flag
            default: throw APIError(400, "unknown option \(key); the options are full, force and queue")
            }
        }
        return options
    }
}
