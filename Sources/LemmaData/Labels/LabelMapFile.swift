import Foundation
import LemmaTensor

extension LabelMap {
    /// `ams8` (seed 000's 28 → 8 AMS classes) or a JSON file mapping each label to a class name or null
    /// (dropped), as `lemma prepare --label-map` and `data.label_map` name one.
    public static func load(_ argument: String) throws -> LabelMap {
        if argument == "ams8" { return .amsEightClasses }
        guard let data = FileManager.default.contents(atPath: argument) else {
            throw FileFormatError(argument, "cannot read the label map (expected 'ams8' or a JSON file)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FileFormatError(argument, "expected a JSON object mapping each label to a class name or null")
        }
        var mapping: [String: String?] = [:]
        for (label, target) in object {
            switch target {
            case let name as String: mapping[label] = name
            case is NSNull: mapping[label] = .some(nil)
            default: throw FileFormatError(argument, "label '\(label)' maps to \(target); expected a class name or null")
            }
        }
        return LabelMap(mapping)
    }
}
