/// `pages/insights`: the supervisor's figures and tables over a period (issue #20: typed page data).
struct InsightsPage: PageModel {
    struct Filter: TemplateModel {
        var from: String, to: String, branches: [SelectOption], groups: [GroupOption]
        static let fields: TemplateFields<Self> = [
            "from": .text(\.from), "to": .text(\.to), "branches": .list(\.branches), "groups": .list(\.groups),
        ]
    }

    struct GroupOption: TemplateModel {
        var id: String, name: String, selected: Bool
        static let fields: TemplateFields<Self> = ["id": .text(\.id), "name": .text(\.name), "selected": .flag(\.selected)]
    }

    struct Figure: TemplateModel {
        var label: String, value: String
        static let fields: TemplateFields<Self> = ["label": .text(\.label), "value": .text(\.value)]
    }

    struct Cell: TemplateModel {
        var text: String
        static let fields: TemplateFields<Self> = ["text": .text(\.text)]
    }

    struct Row: TemplateModel {
        var label: String, cells: [Cell]
        static let fields: TemplateFields<Self> = ["label": .text(\.label), "cells": .list(\.cells)]
    }

    /// A table's chart: `svg` is written as is (`{{{chart_svg}}}`), so it must come from `BarChart`, which escapes
    /// every text it puts in.
    struct Chart {
        var svg: String, summary: String
    }

    struct Section: TemplateModel {
        var id: String, heading: String, explanation: String, header: [Cell], rows: [Row], csvHref: String, chart: Chart?
        static let fields: TemplateFields<Self> = [
            "id": .text(\.id), "heading": .text(\.heading), "explanation": .text(\.explanation), "header": .list(\.header),
            "rows": .list(\.rows), "has_rows": .flag { !$0.rows.isEmpty }, "csv_href": .text(\.csvHref),
            "has_chart": .flag { $0.chart != nil }, "chart_svg": .optionalText { $0.chart?.svg },
            "chart_summary": .optionalText { $0.chart?.summary },
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var filter: Filter
    var tooFew: Bool
    var tooFewText: String
    var thresholdText: String
    var figures: [Figure]
    var sections: [Section]

    static let fields = TemplateFields<Self>([
        "filter": .object(\.filter), "too_few": .flag(\.tooFew), "too_few_text": .text(\.tooFewText),
        "threshold_text": .text(\.thresholdText), "figures": .list(\.figures), "sections": .list(\.sections),
    ]).including(\.layout)
}
