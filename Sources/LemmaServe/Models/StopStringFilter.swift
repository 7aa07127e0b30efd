/// OpenAI's `stop` strings over streamed text: text is passed on as it comes, except a tail that could be
/// the start of a stop string, which waits until the next text decides; at a stop string the output ends
/// before it.
struct StopStringFilter {
    let stops: [String]
    private var held = ""

    init(_ stops: [String]) { self.stops = stops }

    /// The text safe to pass on after `text`, and whether a stop string was reached.
    mutating func add(_ text: String) -> (text: String, stopped: Bool) {
        guard !stops.isEmpty else { return (text, false) }
        held += text
        if let cut = stops.compactMap({ held.range(of: $0)?.lowerBound }).min() {
            defer { held = "" }
            return (String(held[..<cut]), true)
        }
        // Keep the longest tail that begins some stop string.
        var keep = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, held.count), to: 0, by: -1) where length > keep {
                if held.hasSuffix(stop.prefix(length)) { keep = length; break }
            }
        }
        let out = String(held.dropLast(keep))
        held = String(held.suffix(keep))
        return (out, false)
    }

    /// What was held back, once the text has ended.
    mutating func finish() -> String {
        defer { held = "" }
        return held
    }
}
