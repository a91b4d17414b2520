import Foundation

/// A horizontal bar chart drawn on the server as SVG, in the page's large type, with its title and
/// description inside for assistive technology (`role="img"`, `aria-labelledby`). The same data is
/// always shown as a table next to it; a bar without a value (a group too small to show) is left out.
struct BarChart {
    struct Bar {
        let label: String
        let value: Double?
        let valueText: String
    }

    let id: String
    let title: String
    let summary: String
    let bars: [Bar]

    static let width = 960.0
    static let labelWidth = 300.0
    static let valueWidth = 150.0
    static let rowHeight = 56.0
    static let barHeight = 36.0
    static let fontSize = 24.0

    var svg: String {
        let height = Double(max(bars.count, 1)) * Self.rowHeight + 16
        let maximum = bars.compactMap(\.value).max() ?? 0
        let room = Self.width - Self.labelWidth - Self.valueWidth
        var parts: [String] = [
            #"<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \#(Self.number(Self.width)) \#(Self.number(height))" "#
                + #"aria-labelledby="\#(id)-title \#(id)-desc" font-size="\#(Self.number(Self.fontSize))">"#,
            #"<title id="\#(id)-title">\#(Self.escape(title))</title>"#,
            #"<desc id="\#(id)-desc">\#(Self.escape(summary))</desc>"#,
        ]
        for (index, bar) in bars.enumerated() {
            let top = 8 + Double(index) * Self.rowHeight
            let middle = top + Self.rowHeight / 2
            parts.append(#"<text class="chart__label" x="\#(Self.number(Self.labelWidth - 12))" y="\#(Self.number(middle))" text-anchor="end" dominant-baseline="middle">\#(Self.escape(Self.shortened(bar.label)))</text>"#)
            let length = maximum > 0 ? (bar.value ?? 0) / maximum * room : 0
            if bar.value != nil {
                parts.append(#"<rect class="chart__bar" x="\#(Self.number(Self.labelWidth))" y="\#(Self.number(middle - Self.barHeight / 2))" width="\#(Self.number(max(length, 2)))" height="\#(Self.number(Self.barHeight))"/>"#)
            }
            parts.append(#"<text class="chart__value" x="\#(Self.number(Self.labelWidth + length + 10))" y="\#(Self.number(middle))" dominant-baseline="middle">\#(Self.escape(bar.valueText))</text>"#)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// Long labels are cut in the picture; the table beside it has them whole.
    static func shortened(_ label: String) -> String {
        label.count > 20 ? String(label.prefix(19)) + "…" : label
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// The pages' own escaping (one place for all HTML and SVG text, byte-wise: a quote before a combining mark too).
    static func escape(_ text: String) -> String { HTMLEscaping.escape(text) }
}
