import Testing

@testable import SyncCore

/// docs/dbt.md: a model takes `{{ ref }}` and `{{ source }}` and nothing else of Jinja.
@Suite struct DbtTemplateTests {
    func scan(_ text: String, firstLine: Int = 3) throws -> DbtTemplate {
        try DbtTemplate.scan(text, firstLine: firstLine).get()
    }

    @Test func refsAndSourcesAreFoundWithTheirLines() throws {
        let template = try scan(
            "SELECT c.customer_id, l.lifetime_value\nFROM {{ ref('customer_ltv') }} l\n"
                + "JOIN {{ source(\"shop\", 'raw_customers') }} c USING (customer_id)\n"
                + "JOIN {{ ref('shop', 'dim_customers', v=1) }} d ON true\nJOIN {{- ref('x', version='2') -}} y")
        #expect(
            template.references == [
                DbtReference(target: .node(package: nil, name: "customer_ltv", version: nil), line: 4),
                DbtReference(target: .source(source: "shop", table: "raw_customers"), line: 5),
                DbtReference(target: .node(package: "shop", name: "dim_customers", version: "1"), line: 6),
                DbtReference(target: .node(package: nil, name: "x", version: "2"), line: 7),
            ])
        #expect(template.references[2].description == "ref('shop', 'dim_customers', v=1)")
        let rendered = template.rendered { "\"rel_\($0.line)\"" }
        #expect(
            rendered
                == "SELECT c.customer_id, l.lifetime_value\nFROM \"rel_4\" l\nJOIN \"rel_5\" c USING (customer_id)\n"
                + "JOIN \"rel_6\" d ON true\nJOIN \"rel_7\" y")
        #expect(template.words.contains(DbtTemplate.Word(text: "lifetime_value", line: 3)))
        #expect(!template.words.contains { $0.text == "ref" || $0.text == "customer_ltv" })
    }

    @Test func aReferenceOverSeveralLinesKeepsTheLinesAfterIt() throws {
        let template = try scan("SELECT *\nFROM {{\n  ref('a')\n}} t\nWHERE x", firstLine: 1)
        let rendered = template.rendered { _ in "a" }
        #expect(rendered == "SELECT *\nFROM a\n\n t\nWHERE x")
        #expect(template.words.last == DbtTemplate.Word(text: "x", line: 5))
    }

    @Test func stringsCommentsAndQuotedNamesAreNotTemplates() throws {
        let text =
            "SELECT '{{1,2},{3,4}}'::int[][] AS a, \"{{ odd }}\" -- {% not this %}\n/* {# nor this #} */ "
            + "FROM $$ {{ x }} $$, $q$ {% y %} $q$ t"
        let template = try scan(text)
        #expect(template.references.isEmpty)
        #expect(template.rendered { _ in "" } == text)
    }

    @Test(arguments: [
        ("SELECT 1 FROM {% if x %} t {% endif %}", "Jinja statement {% if x %} is not supported"),
        ("SELECT 1 {# note #} FROM t", "Jinja comment {# note #} is not supported"),
        ("SELECT {{ var('x') }} FROM t", "{{ var('x') }} is not a dbt ref or source"),
        ("SELECT 1 FROM {{ ref(name) }}", "{{ ref(name) }} is not a dbt ref or source"),
        ("SELECT 1 FROM {{ source('only_one') }}", "{{ source('only_one') }} is not a dbt ref or source"),
        ("SELECT 1 FROM {{ ref('a', 'b', 'c') }}", "{{ ref('a', 'b', 'c') }} is not a dbt ref or source"),
        ("SELECT 1 FROM {{ ref('a') ~ 'b' }}", "{{ ref('a') ~ 'b' }} is not a dbt ref or source"),
        ("SELECT 1 FROM {{ ref('a')", "{{ is never closed"),
    ])
    func otherJinjaIsAnErrorNamingTheConstruct(text: String, message: String) {
        let result = DbtTemplate.scan("\n" + text, firstLine: 7)
        guard case .failure(let problem) = result else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(problem.message == message)
        #expect(problem.line == 8)
        #expect(problem.hint.contains("{{ ref('name') }}"))
    }

    @Test func aModelFileReportsJinjaAtItsLine() throws {
        #expect(throws: ProjectErrors.self) {
            try Model.parse(text: "-- key: id\nSELECT id\nFROM {% raw %} t", file: "models/m.sql")
        }
        do {
            _ = try Model.parse(text: "-- key: id\nSELECT id\nFROM {% raw %} t", file: "models/m.sql")
        } catch {
            #expect(error.errors.map(\.description).first?.hasPrefix("models/m.sql:3: Jinja statement") == true)
        }
        let model = try Model.parse(text: "-- key: id\n\nSELECT id FROM {{ ref('a') }}", file: "models/m.sql")
        #expect(model.dbtTemplate?.references.first?.line == 3)
        let plain = try Model.parse(text: "-- key: id\nSELECT id, '{{x}}' AS y FROM t", file: "models/p.sql")
        #expect(plain.dbtTemplate == nil)
    }

    /// What each dialect reads as a string or comment is SQL; what it reads outside them is a template.
    @Test(
        arguments: [
            // PostgreSQL: E'\'' is one string, so the ref after it is a template.
            (
                "SELECT customer_id::text AS customer_id, E'\\'' AS q, lifetime_value AS lv "
                    + "FROM {{ ref('customer_ltv') }} -- '", SQLConventions.postgres, 1
            ),
            // Snowflake: 'a\'' is one string.
            ("SELECT 'a\\'' AS q FROM {{ ref('customer_ltv') }} -- '", [.backslashEscapes, .slashSlashComments], 1),
            // In PostgreSQL 'a\' ends at the second quote: the text after it is a string until the next.
            ("SELECT 'a\\'' AS q FROM {{ ref('customer_ltv') }} -- '", .postgres, 0),
            // Inside an escape string, and inside a nested comment.
            ("SELECT E'\\'{{ ref(''nope'') }}' AS q FROM t", .postgres, 0),
            ("SELECT 1 AS q /* a /* b */ {{ ref('nope') }} */ FROM t", .postgres, 0),
            // Where comments do not nest, the ref after the first */ is a template.
            ("SELECT 1 AS q /* a /* b */ {{ ref('x') }} FROM t", [.backslashEscapes], 1),
            ("SELECT 1 AS q # {{ ref('nope') }}\nFROM {{ ref('x') }}", [.hashComments, .backtickQuotes], 1),
            ("SELECT 1 AS q // {{ ref('nope') }}\nFROM {{ ref('x') }}", [.slashSlashComments], 1),
            ("SELECT `{{ ref('nope') }}` FROM {{ ref('x') }}", [.backtickQuotes], 1),
        ] as [(String, SQLConventions, Int)])
    func templatesAreFoundAsTheDialectReadsStringsAndComments(
        text: String, conventions: SQLConventions, references: Int
    ) throws {
        let template = try DbtTemplate.scan(text, firstLine: 2, conventions: conventions).get()
        #expect(template.references.count == references)
        #expect(template.written == text)
        let rendered = template.rendered { _ in "\"rel\"" }
        #expect(
            try DbtTemplate.scan(rendered, firstLine: 2, conventions: conventions).get().references.isEmpty,
            "no template is left outside strings and comments")
    }

    @Test func aWarehousePositionMapsBackToTheFilesText() throws {
        let text =
            "SELECT customer_id::text AS customer_id, lifetime_value AS lv FROM {{ ref('customer_ltv') }} "
            + "WHERE bogus = 1"
        let template = try DbtTemplate.scan(text, firstLine: 2).get()
        let relation = "\"postgres\".\"dev_marts\".\"ltv_by_customer\""
        let rendered = template.rendered { _ in relation }
        let bogus = rendered.unicodeScalars.distance(
            from: rendered.unicodeScalars.startIndex,
            to: rendered.range(of: "bogus")!.lowerBound.samePosition(
                in: rendered.unicodeScalars)!)
        #expect(template.writtenOffset(ofRendered: bogus) { _ in relation } == 99, "column 100 of the file")
        let inside = rendered.unicodeScalars.distance(
            from: rendered.unicodeScalars.startIndex,
            to: rendered.range(of: "dev_marts")!.lowerBound.samePosition(in: rendered.unicodeScalars)!)
        #expect(template.writtenOffset(ofRendered: inside) { _ in relation } == 67, "the reference's {{")
        #expect(template.writtenOffset(ofRendered: 3) { _ in relation } == 3)
    }

    /// Jinja where the query should begin names the construct, not "begins with {".
    @Test(arguments: [
        (
            "{{ config(materialized='table') }}\n-- key: id\nSELECT id FROM t", 1,
            "{{ config(materialized='table') }} "
                + "is not a dbt ref or source"
        ),
        ("{% if true %}\n-- key: id\nSELECT id FROM t", 1, "Jinja statement {% if true %} is not supported"),
        ("{# hi #}\n-- key: id\nSELECT id FROM t", 1, "Jinja comment {# hi #} is not supported"),
        ("-- key: id\n{# hi #}\nSELECT id FROM t", 2, "Jinja comment {# hi #} is not supported"),
        (
            "-- key: id\n{{ config(materialized='table') }}\nSELECT id FROM t", 2,
            "{{ config(materialized='table') }} is not a dbt ref or source"
        ),
    ])
    func jinjaThatOpensTheModelIsNamed(text: String, line: Int, message: String) {
        do {
            _ = try Model.parse(text: text, file: "models/m.sql")
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.errors.count == 1, "\(error.errors.map(\.message))")
            #expect(error.errors.first?.line == line)
            #expect(error.errors.first?.message == message)
        }
    }

    @Test func aModelWithoutAHeaderBeforeARefStillHasNoKey() {
        do {
            _ = try Model.parse(text: "{{ ref('a') }}\nSELECT 1", file: "models/m.sql")
            Issue.record("a model without a key was accepted")
        } catch {
            #expect(
                Set(error.errors.map(\.message)) == [
                    "model m has no key", "a model is a query, but this one begins with {",
                ])
        }
    }
}
