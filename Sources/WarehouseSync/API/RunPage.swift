import Foundation
import SyncCore

/// One run's page at `GET /runs/{id}` (docs/http-api.md): every field of the run, its error and its
/// cost, linked from the dashboard's last runs and chart bars. Every value is escaped.
struct RunPage {
    let run: RunRecord
    let invalidRows: [InvalidRow]

    var html: String {
        var page = Dashboard.head(title: "run \(run.id)")
        page += "<p><a href=\"/\">← the dashboard</a></p>\n"
        page += "<h1>\(escape(run.model)): run \(escape(run.id))</h1>\n"
        if let error = run.error {
            page += "<div class=\"error\">\(escape(error))</div>\n"
        }
        page += "<table class=\"run\">\n"
        for (name, text) in run.displayFields where name != "error" {
            page += "<tr><td>\(escape(name))</td><td>\(escape(text))</td></tr>\n"
        }
        page += "</table>\n"
        if !invalidRows.isEmpty {
            page += "<h2>\(run.invalid) row\(run.invalid == 1 ? "" : "s") not synced"
            page +=
                run.invalid > invalidRows.count
                ? " (the first \(invalidRows.count) were kept)</h2>\n<ul>\n" : "</h2>\n<ul>\n"
            for row in invalidRows { page += "<li>\(escape(InvalidRow.describe(row)))</li>\n" }
            page += "</ul>\n"
        }
        page += "</body></html>\n"
        return page
    }
}
