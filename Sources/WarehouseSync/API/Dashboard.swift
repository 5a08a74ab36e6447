import Foundation
import SyncCore

/// The dashboard at `GET /` (docs/http-api.md): one server-rendered HTML page, no script and no external
/// asset, readable on a laptop and a phone. Each model shows its status, last run and next due
/// time, and inline SVG charts of rows changed, duration and cost per run over the last 30 days.
/// Failing, held and stale models come first. Every value from a model, a run or the store is
/// escaped (`escape`), so a name such as `<script>` shows as text.
struct Dashboard {
    static let days: TimeInterval = 30
    /// Runs read per model for the charts (the newest within 30 days).
    static let runLimit = 500

    let project: Project
    let report: StatusReport
    let history: [String: [RunRecord]]
    let now: Date

    /// How a model stands, most urgent first.
    enum Standing: Int, Comparable {
        case failing, held, stale, running, ok, idle
        static func < (a: Standing, b: Standing) -> Bool { a.rawValue < b.rawValue }
        var label: String {
            switch self {
            case .failing: "failing"
            case .held: "held"
            case .stale: "stale"
            case .running: "running"
            case .ok: "ok"
            case .idle: "no runs"
            }
        }
    }

    func standing(_ status: StatusReport.ModelStatus) -> Standing {
        if status.running { return .running }
        guard let last = status.lastRun else { return .idle }
        if last.status == .failed { return .failing }
        if last.status == .blocked { return .held }
        if isStale(status) { return .stale }
        return .ok
    }

    /// No success for two schedule periods (`stale`, docs/http-api.md).
    func isStale(_ status: StatusReport.ModelStatus) -> Bool {
        guard let model = project.model(named: status.model), model.enabled, model.schedule != .manual else {
            return false
        }
        let zone = model.timezone ?? project.config.timezone
        guard let period = model.schedule.period(after: now, in: zone) else { return false }
        guard let success = status.lastSuccessAt else { return true }
        return now.timeIntervalSince(success) > 2 * period
    }

    var html: String {
        let models: [(StatusReport.ModelStatus, Standing)] = report.models.map { ($0, standing($0)) }.sorted {
            (a: (StatusReport.ModelStatus, Standing), b: (StatusReport.ModelStatus, Standing)) -> Bool in
            a.1 == b.1 ? a.0.model < b.0.model : a.1 < b.1
        }
        var page = Self.head(title: "WarehouseSync") + "<h1>WarehouseSync</h1>\n"
        // Unhealthy when the service is, or when a model fails, is held or is stale: each is named.
        let troubles =
            report.problems
            + models.filter { [.failing, .held, .stale].contains($0.1) }.map { "model \($0.0.model) is \($0.1.label)" }
        page += "<p class=\"health \(troubles.isEmpty ? "healthy" : "unhealthy")\" id=\"health\">"
        page += troubles.isEmpty ? "Healthy." : "Unhealthy: " + escape(troubles.joined(separator: "; ")) + "."
        page += " Scheduler heartbeat: \(escape(report.heartbeatAt.map(formatInstant) ?? "never")).</p>\n"
        let costs = self.costs
        for (status, standing) in models {
            page += section(status, standing, cost: costs[status.model])
        }
        page += "</body></html>\n"
        return page
    }

    /// The page's head and style, shared by the dashboard and the run pages.
    static func head(title: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:12px;color:#222}
        h1{font-size:20px;margin:4px 0 12px}
        .model{border:1px solid #ddd;border-radius:6px;padding:10px 12px;margin:0 0 12px}
        .model.failing{border-color:#c62828;background:#fff5f5}.model.held{border-color:#ef6c00;background:#fff8f0}
        .model.stale{border-color:#8d6e63;background:#faf6f3}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;color:#fff;background:#2e7d32}
        .failing .badge{background:#c62828}.held .badge{background:#ef6c00}.stale .badge{background:#8d6e63}
        .running .badge{background:#1565c0}.idle .badge{background:#757575}
        .facts{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0;font-size:14px}
        .error{white-space:pre-wrap;font-size:13px;color:#8b0000;margin:4px 0}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:8px}
        figure{margin:0}figcaption{font-size:12px;color:#555}svg{width:100%;height:64px;background:#fafafa}
        .health{margin:0 0 12px;font-size:14px;padding:6px 10px;border-radius:6px}
        .health.healthy{background:#edf7ee}.health.unhealthy{background:#fdecea;color:#8b0000}
        .axis{display:flex;justify-content:space-between;font-size:11px;color:#777}
        a{color:#1565c0}.error,.facts span,h2{overflow-wrap:anywhere}
        table.run{border-collapse:collapse;font-size:14px}table.run td{padding:2px 10px 2px 0;vertical-align:top}
        </style>
        </head><body>

        """
    }

    private func section(
        _ status: StatusReport.ModelStatus, _ standing: Standing, cost: CostReport.ModelCost?
    ) -> String {
        // Skipped runs count in the cost figures but draw no bar: they ran no query.
        let runs = (history[status.model] ?? []).filter { $0.status != .skipped }.reversed().map { $0 }  // oldest first
        var out = "<section class=\"model \(cssClass(standing))\" id=\"model-\(escape(status.model))\">\n"
        out += "<h2>\(escape(status.model)) <span class=\"badge\">\(standing.label)</span></h2>\n"
        out += "<div class=\"facts\">"
        let zone = TimeZone(identifier: status.timezone) ?? TimeZone(identifier: "UTC")!
        out +=
            "<span>schedule: \(escape(status.enabled ? "\(status.schedule) (\(status.timezone))" : "disabled"))</span>"
        if let last = status.lastRun {
            out += "<span>last run: <a href=\"/runs/\(escape(last.id))\">\(escape(last.status.rawValue))</a> at "
            out += escape(formatInstant(last.startedAt, in: zone))
            if let finished = last.finishedAt {
                out += String(format: " (%.2f s)", finished.timeIntervalSince(last.startedAt))
            }
            out += "</span>"
        } else {
            out += "<span>last run: never</span>"
        }
        out += "<span>next due: \(escape(status.nextDue.map { formatInstant($0, in: zone) } ?? "-"))</span>"
        out +=
            "<span>last success: \(escape(status.lastSuccessAt.map { formatInstant($0, in: zone) } ?? "never"))</span>"
        out += "</div>\n"
        if let cost {
            out += costFacts(
                cost, measure: Self.costMeasure(runs), capped: (history[status.model] ?? []).count >= Self.runLimit)
        }
        if let last = status.lastRun, let error = last.error, last.status == .failed || last.status == .blocked {
            out += "<div class=\"error\">\(escape(error))</div>\n"
        }
        out += "<div class=\"charts\">\n"
        out += chart(
            "rows changed per run", runs, unit: "rows"
        ) { Double($0.added + $0.changed + $0.removed) }
        out += chart("duration per run", runs, unit: "s") { run in
            run.finishedAt.map { $0.timeIntervalSince(run.startedAt) }
        }
        let measure = Self.costMeasure(runs)
        out += chart("cost per run" + (measure.map { " (\($0))" } ?? ""), runs, unit: measure ?? "") { run in
            measure.flatMap { run.cost?[$0] }
        }
        out += "</div>\n</section>\n"
        return out
    }

    /// `cost`'s figures (docs/cost.md) over the dashboard's 30 days, by model.
    var costs: [String: CostReport.ModelCost] {
        Dictionary(
            CostReport.make(project: project, runs: history, days: Int(Self.days), now: now).models.map {
                ($0.model, $0)
            }, uniquingKeysWith: { a, _ in a })
    }

    /// One line of `cost`'s figures: runs and skipped runs in 30 days, the mean run's and the
    /// monthly projection's cost in the model's main measure, and in money where priced.
    /// `capped`: the page read only the newest `runLimit` runs, so the figures cover those.
    private func costFacts(_ cost: CostReport.ModelCost, measure: String?, capped: Bool) -> String {
        let window = capped ? "last \(Self.runLimit) runs" : "30 days"
        var out = "<div class=\"facts cost\"><span>\(window): \(cost.runs) runs, \(cost.skippedRuns) skipped</span>"
        if let measure, let mean = cost.mean[measure] {
            out += "<span>mean \(escape(measure)): \(escape(Self.figure(mean)))</span>"
            out += "<span>projected a month (\(cost.runsPerMonth) runs): "
            out += "\(escape(Self.figure(cost.monthlyProjection[measure] ?? 0))) \(escape(measure))</span>"
        }
        if let money = cost.monthlyProjectionMoney {
            out += "<span>projected a month in money: \(escape(String(format: "%.2f", money)))</span>"
        }
        return out + "</div>\n"
    }

    /// A figure with thousands separators, two decimals below 100.
    static func figure(_ value: Double) -> String {
        abs(value) < 100 ? String(format: "%.2f", value) : grouped(value)
    }

    /// The cost measure the model's runs report most: each warehouse names its own.
    static func costMeasure(_ runs: [RunRecord]) -> String? {
        var counts: [String: Int] = [:]
        for run in runs { for key in (run.cost ?? [:]).keys { counts[key, default: 0] += 1 } }
        return counts.max { $0.value == $1.value ? $0.key > $1.key : $0.value < $1.value }?.key
    }

    /// A bar per run at its start time on a 30-day axis (today on the right), height by value,
    /// coloured by the run's status; each bar's title gives the run, its time and value.
    private func chart(_ title: String, _ runs: [RunRecord], unit: String, _ value: (RunRecord) -> Double?) -> String {
        let points = runs.compactMap { run in value(run).map { (run, $0) } }
        let highest = points.map(\.1).max() ?? 0
        let (width, height) = (300.0, 60.0)
        // The axis runs from the first run shown (at most 30 days back) to now, so a day's history fills it.
        let earliest = max(now.addingTimeInterval(-Self.days * 86400), runs.first?.startedAt ?? now)
        let start = earliest.addingTimeInterval(-max(now.timeIntervalSince(earliest) * 0.05, 60))
        let span = now.timeIntervalSince(start)
        let bar = max(1.5, min(6, width / Double(max(points.count, 1))))
        var out = "<figure><figcaption>\(escape(title))"
        if points.isEmpty {
            out += runs.isEmpty ? " — no runs in 30 days" : " — not reported by this warehouse"
        } else {
            out +=
                " — \(points.count) run\(points.count == 1 ? "" : "s")"
                + (runs.count >= Self.runLimit ? " (the newest \(Self.runLimit))" : "") + ", max "
                + Self.figure(highest) + " \(escape(unit))"
        }
        out += "</figcaption><svg viewBox=\"0 0 300 60\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\""
        out += escape(title) + "\">"
        for (run, v) in points {
            let h = highest > 0 ? max(1, v / highest * (height - 2)) : 1
            let x = min(max(run.startedAt.timeIntervalSince(start) / span * width - bar, 0), width - bar)
            let colour =
                switch run.status {
                case .failed: "#c62828"
                case .blocked: "#ef6c00"
                default: "#1565c0"
                }
            out += "<a href=\"/runs/\(escape(run.id))\">"
            out += String(
                format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\">", x, height - h, bar,
                h, colour)
            out += "<title>\(escape(run.id)) \(escape(run.status.rawValue)) \(escape(formatInstant(run.startedAt))): "
            out += String(format: "%.4g", v) + " \(escape(unit))</title></rect></a>"
        }
        out += "</svg><div class=\"axis\"><span>\(escape(Self.axisLabel(start, span: span)))</span>"
        out += "<span>\(escape(Self.axisLabel(now, span: span)))</span></div></figure>\n"
        return out
    }

    /// A date on a chart's axis, UTC: with the time of day when the axis spans under two days.
    static func axisLabel(_ date: Date, span: TimeInterval) -> String {
        let text = formatInstant(date)
        return span < 2 * 86400
            ? String(text.prefix(16)).replacingOccurrences(of: "T", with: " ") + "Z"
            : String(text.prefix(10))
    }

    private func cssClass(_ standing: Standing) -> String {
        switch standing {
        case .idle: "idle"
        default: standing.label
        }
    }
}

/// `text` with `& < > " '` as character references: safe in HTML text and quoted attributes.
func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
