import BalieCore
import BalieHTTP
import Foundation

/// Supervisor insights: what people come for, first-contact resolution, effort (CES), self-reliance over
/// time, channel advice, waiting and session times; filterable by period, branch and task group. Charts
/// are SVG drawn here, each with a title, a short summary and its data as a table; every table is also
/// a CSV download with exactly the same cells. Aggregates only, small groups left out (InsightReport).
extension WebApp {
    /// The tables drawn as a chart too, and the column the bars show.
    static let chartedColumns = ["tasks_by_topic": 0, "sessions_by_weekday": 0, "sessions_by_hour": 0, "outcomes": 0, "effort_distribution": 0]
    /// The longest period one report covers.
    static let maxInsightDays = 366

    struct InsightFilter {
        var from: Date
        var to: Date
        var branch: String?
        var group: TaskGroup?
        var fromText: String
        var toText: String

        var query: String {
            var items = ["from=\(fromText)", "to=\(toText)"]
            if let branch { items.append("branch=\(WebApp.queryEscaped(branch))") }
            if let group { items.append("group=\(group.rawValue)") }
            return items.joined(separator: "&")
        }
    }

    func registerInsightsRoutes() {
        get("/insights", .supervisorsAndAdmins) { [unowned self] request in
            let filter = try insightFilter(request)
            let report = try insightReport(filter, request)
            return try insightsPage(request, filter, report)
        }
        get("/insights.csv", .supervisorsAndAdmins) { [unowned self] request in
            let filter = try insightFilter(request)
            let report = try insightReport(filter, request)
            guard let id = request.http.query["table"], !id.isEmpty else { throw PageError.badRequest("Say which table: ?table=ID.") }
            guard let table = report.table(id) else { throw PageError.notFound("No such table, or too few sessions to show it.") }
            let (header, rows) = insightCells(table, report: report, language: request.language)
            var response = Response(contentType: "text/csv; charset=utf-8", bytes: Array(CSVWriter.document(header: header, rows: rows).utf8))
            response.headers["Content-Disposition"] = "attachment; filename=\"balie-\(table.id)-\(filter.fromText)-\(filter.toText).csv\""
            return response
        }
    }

    /// Only the branches of the person asking: one chosen of theirs, or all of theirs. A branch that is not
    /// theirs is answered as one that does not exist.
    private func insightReport(_ filter: InsightFilter, _ request: PageRequest) throws -> InsightReport {
        let scope = request.requester.branches
        if let branch = filter.branch, !scope.contains(branch) { throw PageError.notFound("No such branch among yours.") }
        let branches: BranchScope = filter.branch.map { .only([$0]) } ?? scope
        return InsightReport(sessions: try database.insightSessions(from: filter.from, to: filter.to, branches: branches), group: filter.group,
                      minimumGroup: configuration.insightsMinimumGroup, timeZone: configuration.timeZone)
    }

    /// The period (by default the last 30 days up to today), branch and task group from the query.
    private func insightFilter(_ request: PageRequest) throws -> InsightFilter {
        let query = request.http.query
        let today = self.today()
        let defaultFrom = self.today(Date().addingTimeInterval(-29 * 86_400))
        let fromText = query["from"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultFrom
        let toText = query["to"].flatMap { $0.isEmpty ? nil : $0 } ?? today
        guard let from = Self.calendarDay(fromText, timeZone: configuration.timeZone),
            let lastDay = Self.calendarDay(toText, timeZone: configuration.timeZone)
        else { throw PageError.badRequest("Give dates like 2026-11-23.") }
        let to = lastDay.addingTimeInterval(86_400)
        guard from < to, to.timeIntervalSince(from) <= Double(Self.maxInsightDays) * 86_400 else {
            throw PageError.badRequest("The period must run forward and be at most a year.")
        }
        var group: TaskGroup?
        if let text = query["group"], !text.isEmpty {
            guard let known = TaskGroup(rawValue: text) else { throw PageError.badRequest("Unknown task group.") }
            group = known
        }
        let branch = query["branch"].flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
        return InsightFilter(from: from, to: to, branch: branch, group: group, fromText: fromText, toText: toText)
    }

    private func insightsPage(_ request: PageRequest, _ filter: InsightFilter, _ report: InsightReport) throws -> Response {
        let language = request.language
        let format = InsightFormat(language: language, localization: localization)
        let (open, done) = try database.followUpCounts()
        var figures: [InsightsPage.Figure] = [
            .init(label: localization.text("insights.figures.sessions", language), value: format.count(report.sessions)),
            .init(label: localization.text("insights.figures.tasks", language), value: format.count(report.tasks)),
        ]
        if !report.tooFew {
            let more: [(String, String)] = [
                ("first_contact_resolution", format.share(report.firstContactResolution, k: report.minimumGroup)),
                ("effort_average", format.decimal(report.effortAverage, k: report.minimumGroup)),
                ("effort_positive", format.share(report.effortPositive, k: report.minimumGroup)),
                ("effort_negative", format.share(report.effortNegative, k: report.minimumGroup)),
                ("messages_caught_up", format.count(report.messagesCaughtUp)),
                ("follow_ups_agreed", format.count(report.followUpsAgreed)),
                ("managing_alone", report.managingAlone.map(format.count) ?? format.suppressed(report.minimumGroup)),
            ]
            figures += more.map { .init(label: localization.text("insights.figures.\($0.0)", language), value: $0.1) }
        }
        figures.append(.init(label: localization.text("insights.figures.follow_ups_now", language),
                             value: localization.text("insights.open_done", language, ["open": format.count(open), "done": format.count(done)])))
        let sections = report.tooFew ? [] : report.tables.map { table -> InsightsPage.Section in
            let (header, rows) = insightCells(table, report: report, language: language)
            var chart: InsightsPage.Chart?
            if let column = Self.chartedColumns[table.id], !rows.isEmpty {
                let bars = BarChart(
                    id: "chart-\(table.id)", title: localization.text("insights.tables.\(table.id)", language),
                    summary: chartSummary(table, column: column, cells: rows, language: language),
                    bars: zip(table.rows, rows).map { row, cells in
                        BarChart.Bar(label: cells[0], value: row.values[column], valueText: cells[column + 1])
                    })
                chart = .init(svg: bars.svg, summary: bars.summary)
            }
            return InsightsPage.Section(
                id: table.id, heading: localization.text("insights.tables.\(table.id)", language),
                explanation: localization.text("insights.explanations.\(table.id)", language), header: header.map { .init(text: $0) },
                rows: rows.map { cells in .init(label: cells[0], cells: cells.dropFirst().map { .init(text: $0) }) },
                csvHref: "/insights.csv?table=\(table.id)&\(filter.query)", chart: chart)
        }
        let model = InsightsPage(
            layout: layout(request, title: localization.text("insights.title", language)),
            filter: .init(
                from: filter.fromText, to: filter.toText,
                branches: try database.allBranches().filter { request.requester.branches.contains($0.code) }.map {
                    .init(code: $0.code, name: $0.name, selected: $0.code == filter.branch)
                },
                groups: TaskGroup.allCases.map { group in
                    .init(id: group.rawValue, name: localization.text("groups.\(group.translationKey).name", language), selected: group == filter.group)
                }),
            tooFew: report.tooFew,
            tooFewText: localization.text("insights.too_few", language, ["count": String(report.minimumGroup)]),
            thresholdText: localization.text("insights.threshold", language, ["count": String(report.minimumGroup)]),
            figures: figures, sections: sections)
        return try page("pages/insights", model, language: language)
    }

    /// The header and rows of a table as text, the same for the page and the CSV.
    func insightCells(_ table: InsightTable, report: InsightReport, language: String) -> (header: [String], rows: [[String]]) {
        let format = InsightFormat(language: language, localization: localization)
        let header = [localization.text("insights.label_columns.\(table.labelKind.rawValue)", language)]
            + table.columns.map { localization.text("insights.columns.\($0)", language) }
        let rows = table.rows.map { row -> [String] in
            [insightLabel(row.label, kind: table.labelKind, language: language)] + zip(table.columns, row.values).map { column, value in
                // An empty group has nothing to hide: a dash, not "fewer than 5".
                value == nil && row.count == 0 ? "—"
                    : column.hasSuffix("share") || column.hasPrefix("steps_") || column == "can_do_it_next_time"
                    ? format.share(value, k: report.minimumGroup)
                    : column == "average" || column.hasSuffix("_minutes") ? format.decimal(value, k: report.minimumGroup)
                    : value.map { format.count(Int($0)) } ?? format.suppressed(report.minimumGroup)
            }
        }
        return (header, rows)
    }

    private func insightLabel(_ label: String, kind: InsightTable.LabelKind, language: String) -> String {
        if label == InsightReport.otherLabel { return localization.text("insights.other", language) }
        switch kind {
        case .task: return catalog.task(label)?.name(language) ?? label
        case .partner: return catalog.partner(label)?.name ?? label
        case .day: return BirthDateFreeDate.parse(label, timeZone: configuration.timeZone).map(formatDate) ?? label
        case .weekday: return localization.text("insights.weekdays.d\(label)", language)
        case .hour: return "\(label):00"
        case .score: return "\(label) · " + localization.text("feedback.effort_\(label)", language)
        case .actor: return localization.text("insights.done_by.\(Self.key(label))", language)
        case .outcome: return localization.text("outcomes.\(Self.key(label))", language)
        case .visit: return localization.text("insights.visits.\(Self.key(label))", language)
        case .channel: return localization.text("preferred_channels.\(Self.key(label))", language)
        case .measure: return localization.text("insights.measures.\(label)", language)
        case .other: return label
        }
    }

    private func chartSummary(_ table: InsightTable, column: Int, cells: [[String]], language: String) -> String {
        guard let largest = zip(table.rows, cells).filter({ $0.0.values[column] != nil }).max(by: { ($0.0.values[column] ?? 0) < ($1.0.values[column] ?? 0) })
        else { return localization.text("insights.summary_none", language) }
        return localization.text("insights.summary_largest", language, ["label": largest.1[0], "value": largest.1[column + 1]])
    }
}

/// Numbers in the visitor's language: "62%", "5,4" in Dutch, and the text for a group too small to show.
struct InsightFormat {
    let language: String
    let localization: Localization

    func count(_ value: Int?) -> String { value.map(String.init) ?? "—" }

    func share(_ value: Double?, k: Int) -> String {
        guard let value else { return suppressed(k) }
        return "\(Int((value * 100).rounded()))%"
    }

    func decimal(_ value: Double?, k: Int) -> String {
        guard let value else { return suppressed(k) }
        let text = String(format: "%.1f", value)
        return ["en"].contains(language) ? text : text.replacingOccurrences(of: ".", with: ",")
    }

    func suppressed(_ k: Int) -> String { localization.text("insights.suppressed", language, ["count": String(k)]) }
}
