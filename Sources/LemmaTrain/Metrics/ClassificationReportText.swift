extension ClassificationReport {
    /// The text of sklearn's `classification_report`, character for character: a header, one row per class,
    /// a blank line, then `accuracy` (or `micro avg` when some occurring class is not reported), `macro avg`
    /// and `weighted avg`. sklearn's default is `digits: 2`; `description` uses `digits` (4 unless set).
    public func render(digits: Int = 4) -> String {
        let headers = ["precision", "recall", "f1-score", "support"]
        let width = max(rows.map { textWidth($0.name) }.max() ?? 0, textWidth("weighted avg"), digits)
        func cell(_ x: Double) -> String { " " + rightAligned(fixed(x, digits), 9) }
        func line(_ name: String, _ s: ClassScores) -> String {
            rightAligned(name, width) + " " + cell(s.precision) + cell(s.recall) + cell(s.f1)
                + " " + rightAligned(String(s.support), 9) + "\n"
        }
        var text = rightAligned("", width) + " " + headers.map { " " + rightAligned($0, 9) }.joined() + "\n\n"
        for row in rows { text += line(row.name, row.scores) }
        text += "\n"
        if microIsAccuracy {
            // sklearn leaves the precision and recall cells blank and prints the micro F1, which is accuracy.
            text += rightAligned("accuracy", width) + " " + String(repeating: " ", count: 20) + cell(micro.f1)
                + " " + rightAligned(String(micro.support), 9) + "\n"
        } else {
            text += line("micro avg", micro)
        }
        text += line("macro avg", macro)
        text += line("weighted avg", weighted)
        return text
    }
}
