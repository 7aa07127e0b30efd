/// Reads the parts of a Hugging Face tokenizer.json that a BERT WordPiece tokenizer uses: model (type
/// WordPiece, vocab, unk_token, continuing_subword_prefix, max_input_chars_per_word), normalizer
/// (BertNormalizer), pre_tokenizer (BertPreTokenizer), added_tokens and the [CLS]/[SEP] of the
/// post-processor. Truncation and padding settings are ignored: callers choose them per call.
enum HuggingFaceTokenizerFile {
    struct Loaded {
        let vocabulary: WordPieceVocabulary
        let normalizer: BertNormalizer
        let specialTokenIDs: SpecialTokenIDs
    }

    static func read(_ file: TextFile) throws -> Loaded {
        let root = try file.json()
        guard root.members != nil else { throw file.error(line: 1, "expected a JSON object (a tokenizer.json)") }
        guard let model = root["model"], model.members != nil else { throw file.error(line: nil, "has no \"model\" object") }
        guard model["type"]?.string == "WordPiece" else {
            throw file.error(line: nil, "expected model.type \"WordPiece\", found \(describe(model["type"]))")
        }
        let strings = try vocabulary(model, file)
        let ids = Dictionary(strings.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })

        let normalizer = try bertNormalizer(root["normalizer"], file)
        if let pre = root["pre_tokenizer"], !pre.isNull, pre["type"]?.string != "BertPreTokenizer" {
            throw file.error(line: nil, "expected pre_tokenizer.type \"BertPreTokenizer\", found \(describe(pre["type"]))")
        }

        let unknown = model["unk_token"]?.string ?? "[UNK]"
        guard let unknownID = ids[unknown] else { throw file.error(line: nil, "model.unk_token \"\(unknown)\" is not in model.vocab") }
        let maxChars = model["max_input_chars_per_word"]?.integer ?? 100
        let prefix = model["continuing_subword_prefix"]?.string ?? "##"

        var special: [String: Int32] = [:]
        if case let .array(added)? = root["added_tokens"] {
            for token in added {
                guard let content = token["content"]?.string, let id = token["id"]?.integer, Int32(exactly: id) == ids[content] else {
                    throw file.error(line: nil, "added_tokens: expected entries with a content and the id model.vocab gives it, found \(describe(token["content"]))")
                }
                if token["normalized"]?.bool == true || token["single_word"]?.bool == true || token["lstrip"]?.bool == true || token["rstrip"]?.bool == true {
                    throw file.error(line: nil, "added token \"\(content)\" uses normalized/single_word/lstrip/rstrip, which LemmaText does not support")
                }
                special[content] = Int32(id)
            }
        } else {
            for name in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] { special[name] = ids[name] }
        }

        let (cls, sep) = try clsAndSep(root["post_processor"], file)
        guard let clsID = ids[cls], let sepID = ids[sep] else {
            throw file.error(line: nil, "the post-processor's \(cls) and \(sep) must both be in model.vocab")
        }
        let padToken = root["padding"]?["pad_token"]?.string ?? "[PAD]"
        guard let padID = ids[padToken] else { throw file.error(line: nil, "has no pad token \"\(padToken)\" in model.vocab") }

        return Loaded(
            vocabulary: WordPieceVocabulary(strings: strings, unknownID: unknownID, specialTokens: special,
                                            continuationPrefix: prefix, maxInputCharsPerWord: maxChars),
            normalizer: normalizer,
            specialTokenIDs: SpecialTokenIDs(pad: padID, unknown: unknownID, cls: clsID, sep: sepID, mask: ids["[MASK]"]))
    }

    /// model.vocab: token → id, ids exactly 0..<count.
    private static func vocabulary(_ model: JSONValue, _ file: TextFile) throws -> [String] {
        guard let members = model["vocab"]?.members else { throw file.error(line: nil, "expected model.vocab to be an object of token → id") }
        var strings = [String?](repeating: nil, count: members.count)
        var seen = ByteStringTable(minimumCapacity: members.count)
        for member in members {
            guard let id = member.value.integer, id >= 0, id < members.count else {
                throw file.error(line: member.line, "expected an id in 0..<\(members.count) for token \"\(member.key)\" in model.vocab")
            }
            if let other = strings[id] { throw file.error(line: member.line, "tokens \"\(other)\" and \"\(member.key)\" both have id \(id)") }
            if seen.insert(member.key.utf8, value: Int32(id)) != nil { throw file.error(line: member.line, "duplicate token \"\(member.key)\" in model.vocab") }
            strings[id] = member.key
        }
        return strings.map { $0! }
    }

    private static func bertNormalizer(_ value: JSONValue?, _ file: TextFile) throws -> BertNormalizer {
        guard let value, !value.isNull else {
            return BertNormalizer(cleanText: false, handleChineseCharacters: false, lowercase: false, stripAccents: false)
        }
        guard value["type"]?.string == "BertNormalizer" else {
            throw file.error(line: nil, "expected normalizer.type \"BertNormalizer\", found \(describe(value["type"]))")
        }
        return BertNormalizer(cleanText: value["clean_text"]?.bool ?? true,
                              handleChineseCharacters: value["handle_chinese_chars"]?.bool ?? true,
                              lowercase: value["lowercase"]?.bool ?? true,
                              stripAccents: value["strip_accents"]?.bool)
    }

    /// [CLS] and [SEP] as named by a BertProcessing or TemplateProcessing post-processor.
    private static func clsAndSep(_ value: JSONValue?, _ file: TextFile) throws -> (String, String) {
        switch value?["type"]?.string {
        case "BertProcessing":
            guard case let .array(cls)? = value?["cls"], case let .array(sep)? = value?["sep"],
                  let clsName = cls.first?.string, let sepName = sep.first?.string
            else { throw file.error(line: nil, "expected post_processor.cls and .sep as [token, id]") }
            return (clsName, sepName)
        case "TemplateProcessing":
            guard case let .array(single)? = value?["single"] else { throw file.error(line: nil, "expected post_processor.single to be a list") }
            let specials = single.compactMap { $0["SpecialToken"]?["id"]?.string }
            guard specials.count == 2, single.first?["SpecialToken"] != nil, single.last?["SpecialToken"] != nil else {
                throw file.error(line: nil, "expected post_processor.single to be [special, $A, special] as BERT's is")
            }
            return (specials[0], specials[1])
        default:
            return ("[CLS]", "[SEP]")
        }
    }

    private static func describe(_ value: JSONValue?) -> String {
        guard let value else { return "nothing" }
        if let s = value.string { return "\"\(s)\"" }
        return value.isNull ? "null" : "a non-string value"
    }
}
