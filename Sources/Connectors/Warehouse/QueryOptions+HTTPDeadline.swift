import SyncCore

extension QueryOptions {
    /// When a warehouse's HTTP API has had the query's timeout and a grace of 10 s for its own report of
    /// it (a timeout error, or a job that ended): past it, nothing more is waited for. Nil without a timeout.
    func httpDeadline(startedAt started: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        timeout.map { started + $0 + .seconds(10) }
    }
}
