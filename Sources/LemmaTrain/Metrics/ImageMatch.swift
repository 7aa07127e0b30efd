import LemmaData

/// im2markup's image metrics (scripts/evaluation/evaluate_image.py): the gold and the predicted formula are
/// rendered, binarized (ink: grey ≤ 128), and read as sequences of pixel columns (the shorter image padded with
/// paper at the bottom). The column edit distance is Levenshtein's over exact columns, summed over images and
/// reported as 1 − edits / Σ max(columns); "match" holds when the two column sequences, with columns that
/// differ in fewer than 5 pixels taken as equal, align without a replaced or deleted run of 5 or more gold
/// columns (as the script decides it: inserted runs do not count); "match −ws" decides the same on the
/// columns holding ink. A prediction that could not be rendered counts as blank: every gold column an edit.
public struct ImageMatch: Sendable, Equatable {
    public private(set) var edits = 0, reference = 0, count = 0, matches = 0, matchesWithoutSpace = 0

    public init() {}

    public mutating func add(gold: GrayImage, predicted: GrayImage?) {
        let result = Self.compare(gold: gold, predicted: predicted)
        edits += result.edits
        reference += result.reference
        count += 1
        if result.match { matches += 1 }
        if result.matchWithoutSpace { matchesWithoutSpace += 1 }
    }

    /// 1 − total column edits / total columns (im2markup's "Edit Dist").
    public var editScore: Double { reference > 0 ? 1 - Double(edits) / Double(reference) : .nan }
    public var matchRate: Double { count > 0 ? Double(matches) / Double(count) : .nan }
    public var matchWithoutSpaceRate: Double { count > 0 ? Double(matchesWithoutSpace) / Double(count) : .nan }

    /// One pair, as the script's `img_edit_distance` returns it.
    public static func compare(gold: GrayImage, predicted: GrayImage?) -> (edits: Int, reference: Int, match: Bool, matchWithoutSpace: Bool) {
        guard let predicted else { return (gold.width, gold.width, false, false) }
        let height = max(gold.height, predicted.height)
        let a = columns(gold, height: height), b = columns(predicted, height: height)
        let reference = max(a.count, b.count)
        let edits = levenshtein(exactSymbols(a, b))
        var match = true
        if edits > 0 { match = aligned(a, b) }
        let inkA = a.filter { $0.contains { $0 != 0 } }, inkB = b.filter { $0.contains { $0 != 0 } }
        if inkA.isEmpty || inkB.isEmpty { return (edits, reference, match, inkA.count == inkB.count) }
        return (edits, reference, match, aligned(inkA, inkB))
    }

    /// Each column's ink bits, top to bottom, packed 64 to a word, padded with paper to `height`.
    static func columns(_ image: GrayImage, height: Int) -> [[UInt64]] {
        let words = (height + 63) / 64
        var result = [[UInt64]](repeating: [UInt64](repeating: 0, count: words), count: image.width)
        for y in 0..<image.height {
            let row = y * image.width
            for x in 0..<image.width where image.pixels[row + x] <= 128 {
                result[x][y >> 6] |= 1 << UInt64(y & 63)
            }
        }
        return result
    }

    /// Both sequences as integer symbols, equal columns sharing one.
    static func exactSymbols(_ a: [[UInt64]], _ b: [[UInt64]]) -> ([Int], [Int]) {
        var ids: [[UInt64]: Int] = [:]
        func id(_ column: [UInt64]) -> Int {
            if let known = ids[column] { return known }
            ids[column] = ids.count
            return ids.count - 1
        }
        return (a.map(id), b.map(id))
    }

    /// The script's fuzzy symbols: a column takes the symbol of the first column seen before it (gold first,
    /// then predicted) that differs from it in fewer than 5 pixels.
    static func fuzzySymbols(_ a: [[UInt64]], _ b: [[UInt64]]) -> ([Int], [Int]) {
        var exact: [[UInt64]: Int] = [:]
        var representatives: [(column: [UInt64], symbol: Int)] = []
        func symbol(_ column: [UInt64]) -> Int {
            if let known = exact[column] { return known }
            var found = representatives.count
            for (seen, s) in representatives {
                var differing = 0
                for i in 0..<column.count { differing += (column[i] ^ seen[i]).nonzeroBitCount }
                if differing < 5 { found = s; break }
            }
            if found == representatives.count { representatives.append((column, found)) }
            exact[column] = found
            return found
        }
        let first = a.map(symbol)
        return (first, b.map(symbol))
    }

    /// Levenshtein distance between two symbol sequences (two rows of the table).
    static func levenshtein(_ pair: ([Int], [Int])) -> Int {
        let (a, b) = pair
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Whether the fuzzy alignment of gold `a` with prediction `b` has no replaced or deleted run spanning 5
    /// or more gold columns. The alignment is a minimum-edit path, traced back from the end preferring a
    /// match or substitution, then a deletion, then an insertion; consecutive edits of one kind form a run.
    static func aligned(_ a: [[UInt64]], _ b: [[UInt64]]) -> Bool {
        let (x, y) = fuzzySymbols(a, b)
        let n = x.count, m = y.count
        if n == 0 || m == 0 { return n < 5 }  // all deletions (or insertions, which never count)
        var table = [Int](repeating: 0, count: (n + 1) * (m + 1))
        for i in 0...n { table[i * (m + 1)] = i }
        for j in 0...m { table[j] = j }
        for i in 1...n {
            for j in 1...m {
                let diagonal = table[(i - 1) * (m + 1) + j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
                table[i * (m + 1) + j] = min(diagonal, table[(i - 1) * (m + 1) + j] + 1, table[i * (m + 1) + j - 1] + 1)
            }
        }
        enum Edit { case keep, replace, delete, insert }
        var edits: [Edit] = []
        var i = n, j = m
        while i > 0 || j > 0 {
            let here = table[i * (m + 1) + j]
            if i > 0, j > 0, here == table[(i - 1) * (m + 1) + j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1) {
                edits.append(x[i - 1] == y[j - 1] ? .keep : .replace)
                i -= 1
                j -= 1
            } else if i > 0, here == table[(i - 1) * (m + 1) + j] + 1 {
                edits.append(.delete)
                i -= 1
            } else {
                edits.append(.insert)
                j -= 1
            }
        }
        var run = 0
        var kind = Edit.keep
        for edit in edits {
            run = edit == kind ? run + 1 : 1
            kind = edit
            if (kind == .replace || kind == .delete) && run >= 5 { return false }
        }
        return true
    }
}
