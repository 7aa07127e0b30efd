import Foundation
import LemmaData
import LemmaTensor
import Testing

/// Label maps, per-class caps, class weights, splits and shuffles.
struct LabelTests {
    /// Examples from memory, for the stream adapters.
    struct ArrayReader: ExampleReader {
        var examples: [Example]
        var position = 0
        init(_ labels: [String?]) {
            examples = labels.enumerated().map { Example(text: "t\($0.offset)", label: $0.element, source: ExampleLocation(path: "mem", line: $0.offset + 1)) }
        }
        mutating func next() throws -> Example? {
            guard position < examples.count else { return nil }
            defer { position += 1 }
            return examples[position]
        }
    }

    @Test func amsPresetReproducesTheSeedLogsLabelSummary() {
        // Seed 000's counts per source label after its 900,000 cap, and the 8-class summary it printed.
        let capped: [String: Int] = [
            "abstract": 1558, "acknowledgement": 44997, "algorithm": 7544, "assumption": 29661, "caption": 1353,
            "case": 3664, "conclusion": 1973, "condition": 4054, "conjecture": 46157, "corollary": 444300,
            "definition": 707396, "discussion": 896, "example": 257868, "fact": 19374, "introduction": 15081,
            "lemma": 900000, "method": 372, "notation": 53698, "other": 900000, "paragraph": 2170, "problem": 30843,
            "proof": 900000, "proposition": 900000, "question": 8477, "relatedwork": 1851, "remark": 685064,
            "result": 4044, "step": 7818, "theorem": 900000,
        ]
        let map = LabelMap.amsEightClasses
        #expect(map.mapping.count == 29)
        #expect(Set(map.mapping.keys) == Set(capped.keys))
        var summary = [Int](repeating: 0, count: 8)
        for (label, count) in capped {
            if let target = map.mapping[label]!, let index = map.index(of: target) { summary[index] += count }
        }
        #expect(summary == [44997, 911482, 3209831, 707396, 257868, 15081, 30843, 1851])
        #expect(map.classes == ["acknowledgement", "proof", "proposition", "definition", "example", "introduction", "problem", "relatedwork"])
    }

    @Test func mappingMergesDropsAndRejectsUnknownLabels() throws {
        var reader = ArrayReader(["lemma", "other", "proof", "step", "remark"]).mappingLabels(.amsEightClasses)
        #expect(try reader.readAll().map(\.label) == ["proposition", "proof", "proof"])
        var unknown = ArrayReader(["lemma", "lemmma"]).mappingLabels(.amsEightClasses)
        #expect(try unknown.next()?.label == "proposition")
        expectFormatError("mem: line 2", "label 'lemmma' is not in the label map") { _ = try unknown.next() }
        var skipping = LabelMap.amsEightClasses
        skipping.unknownLabels = .skip
        var skipped = ArrayReader(["lemmma", nil, "case"]).mappingLabels(skipping)
        #expect(try skipped.readAll().map(\.label) == ["proof"])
        var unlabelled = ArrayReader([nil]).mappingLabels(.amsEightClasses)
        expectFormatError("example has no label") { _ = try unlabelled.next() }
        let keep = LabelMap(keeping: ["a", "b"], unknownLabels: .keep)
        var kept = ArrayReader(["a", "c"]).mappingLabels(keep)
        #expect(try kept.readAll().map(\.label) == ["a", "c"])
        #expect(keep.index(of: "b") == 1 && keep.index(of: "c") == nil)
    }

    @Test func unknownLabelPoliciesSkipOrReclassAndCountEachLabel() throws {
        // Labels of newer llamapun dumps that seed 000's 28 lack: "keywords", "related work" (with a space).
        let labels: [String?] = ["lemma", "keywords", "proof", "related work", "keywords", nil]
        #expect(try LabelMap.UnknownLabels(parsing: "skip") == .skip)
        #expect(try LabelMap.UnknownLabels(parsing: "map:other") == .mapTo("other"))
        expectFormatError("'drop' is not a policy; expected error, skip, keep or map:<class>") {
            _ = try LabelMap.UnknownLabels(parsing: "drop")
        }
        var strict = ArrayReader(labels).mappingLabels(.amsEightClasses)
        _ = try strict.next()
        expectFormatError("mem: line 2", "label 'keywords' is not in the label map", "skip or map:<class>") { _ = try strict.next() }

        var skipping = ArrayReader(labels).mappingLabels(LabelMap.amsEightClasses.with(unknownLabels: .skip))
        #expect(try skipping.readAll().map(\.label) == ["proposition", "proof"])
        #expect(skipping.unknownLabelCounts == ["keywords": 2, "related work": 1, "(no label)": 1])

        let other = LabelMap.amsEightClasses.with(unknownLabels: .mapTo("other"))
        #expect(other.classes == LabelMap.amsEightClasses.classes + ["other"])
        var reclassed = ArrayReader(labels).mappingLabels(other)
        #expect(try reclassed.readAll().map(\.label) == ["proposition", "other", "proof", "other", "other", "other"])
        #expect(reclassed.unknownLabelCounts == ["keywords": 2, "related work": 1, "(no label)": 1])
        // A class the map already has is not added twice.
        #expect(LabelMap.amsEightClasses.with(unknownLabels: .mapTo("proof")).classes == LabelMap.amsEightClasses.classes)
    }

    @Test func keptExamplesApplyTheMapThenTheLimitAndSummarizeTheUnknownLabels() throws {
        let path = try DataFixtures.write("text\tlabel\na\tlemma\nb\tkeywords\nc\ttheorem\nd\tproof\ne\tkeywords\nf\trelated work\n",
                                          "kept.tsv", in: DataFixtures.scratchDirectory())
        var kept = KeptExamples(CorpusSource(path: path), map: LabelMap.amsEightClasses.with(unknownLabels: .skip), maxPerClass: 1)
        var seen: [String] = []
        try kept.forEach { seen.append("\($0.text)=\($0.label ?? "-")") }
        #expect(seen == ["a=proposition", "d=proof"])  // theorem is a second proposition, over the limit of 1
        #expect(kept.unknownLabelSummary == "\(path): 3 examples with labels outside the label map skipped: keywords 2, related work 1")
    }

    @Test func firstNPerClassInStreamOrder() throws {
        var reader = ArrayReader(["a", "b", "a", "a", "b", nil, "a", nil, nil]).limitingPerClass(2)
        #expect(try reader.readAll().map(\.text) == ["t0", "t1", "t2", "t4", "t5", "t7"])
    }

    @Test func reservoirSampleIsSeededUniformAndInStreamOrder() throws {
        let labels: [String?] = (0..<3000).map { $0 % 3 == 0 ? "rare" : "common" }
        var first = ArrayReader(labels)
        let a = try first.sampleReservoirPerClass(limit: 100, seed: 9)
        var second = ArrayReader(labels)
        let b = try second.sampleReservoirPerClass(limit: 100, seed: 9)
        var third = ArrayReader(labels)
        let c = try third.sampleReservoirPerClass(limit: 100, seed: 10)
        #expect(a == b && a != c)
        #expect(a.filter { $0.label == "rare" }.count == 100 && a.count == 200)
        let positions = a.map { $0.source.line! }
        #expect(positions == positions.sorted())
        // Uniform: the sample reaches across the stream, not just its start.
        #expect(positions.filter { $0 > 1500 }.count > 60)
        var small = ArrayReader(["x", "y"])
        #expect(try small.sampleReservoirPerClass(limit: 5, seed: 1).map(\.text) == ["t0", "t1"])
    }

    @Test func classWeightsFollowScikitLearn() {
        let labels = ["a", "a", "a", "b", "c", "c"]
        let balanced = ClassWeights.balanced(labels)
        // n_samples / (n_classes * bincount): 6 / (3 * [3, 1, 2]).
        #expect(balanced == ["a": 6.0 / 9.0, "b": 2.0, "c": 1.0])
        #expect(ClassWeights.inverseFrequency(labels) == ["a": 2.0, "b": 6.0, "c": 3.0])
        #expect(ClassWeights.ordered(balanced, classes: ["c", "a", "b", "z"]) == [1, Float(6.0 / 9.0), 2, 0])
    }

    @Test func stratifiedSplitIsDeterministicAndProportional() {
        let labels = (0..<1000).map { $0 % 10 == 0 ? "rare" : "common" }
        let split = StratifiedSplit(train: 0.8, valid: 0.1, test: 0.1, seed: 5)
        let a = split.assign(labels: labels)
        #expect(a == split.assign(labels: labels))
        #expect(a != StratifiedSplit(train: 0.8, valid: 0.1, test: 0.1, seed: 6).assign(labels: labels))
        for label in ["rare", "common"] {
            let parts = zip(labels, a).filter { $0.0 == label }.map(\.1)
            let n = Double(parts.count)
            #expect(Double(parts.filter { $0 == .test }.count) == (n * 0.1).rounded())
            #expect(Double(parts.filter { $0 == .valid }.count) == (n * 0.1).rounded())
        }
        // Fixed across machines and Swift versions: pinned values.
        #expect(stableHash(seed: 0, index: 0) == 0xE220_A839_7B1D_CDAF)
        #expect(stableHash(seed: 7, index: 12345) == 0x9C34_4DE3_FEA3_E759)
        // Pinned against an independent Python implementation of the same rule.
        let small = ["a", "a", "b", "a", "b", "b", "a", "a", "b", "a", "b", "b", "a", "b", "b"]
        let pinned = StratifiedSplit(train: 0.6, valid: 0.2, test: 0.2, seed: 3).assign(labels: small).map(\.rawValue)
        #expect(pinned == ["valid", "train", "valid", "test", "test", "train", "train", "train", "valid", "train", "train", "train", "train", "test", "train"])
        let (train, valid, test) = split.split(Array(0..<1000)) { labels[$0] }
        #expect(train.count == 800 && valid.count == 100 && test.count == 100)
        #expect(train == train.sorted())
    }

    @Test func seededShuffleIsReproducible() {
        let items = Array(0..<50)
        #expect(items.shuffled(seed: 1) == items.shuffled(seed: 1))
        #expect(items.shuffled(seed: 1) != items.shuffled(seed: 2))
        #expect(items.shuffled(seed: 1).sorted() == items)
        var copy = items
        copy.shuffle(seed: 1)
        #expect(copy == items.shuffled(seed: 1))
    }
}
