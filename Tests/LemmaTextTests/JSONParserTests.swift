import LemmaText
import Testing

/// Lemma's one JSON reader: values, member order and lines, numbers as written, shallow parsing, and errors
/// that say where the text stops being JSON.
struct JSONParserTests {
    func parse(_ text: String, shallow: Bool = false) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8), shallow: shallow)
    }

    func failure(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as JSONSyntaxError {
            return error
        } catch {
            return nil
        }
    }

    @Test func valuesMembersAndNumbersAsWritten() throws {
        let value = try parse("{\"b\": [1, -0.5e3, true, null],\n \"a\": {\"x\": \"\\u00e9\\ud83d\\ude00\"},\n \"b\": 3.0}")
        let members = try #require(value.members)
        #expect(members.map(\.key) == ["b", "a", "b"] && members.map(\.line) == [1, 2, 3])
        #expect(value["b"]?.elements == [.number("1"), .number("-0.5e3"), .bool(true), .null])
        #expect(value["a"]?["x"]?.string == "é😀")
        #expect(members[2].value.integer == 3 && JSONValue.number("-0.5e3").double == -500 && JSONValue.number("1.5").integer == nil)
    }

    @Test func shallowParsingKeepsTheTopLevelAndChecksTheRest() throws {
        let value = try parse("{\"text\": \"t\", \"n\": 2, \"deep\": {\"k\": [1, {\"z\": \"y\"}]}, \"list\": []}", shallow: true)
        #expect(value["text"]?.string == "t" && value["n"]?.integer == 2)
        #expect(value["deep"] == .skippedObject && value["list"] == .skippedArray)
        // Nested values are still checked.
        #expect(throws: JSONSyntaxError.self) { try parse("{\"deep\": {\"k\": [1, }}", shallow: true) }
    }

    @Test func errorsSayWhereAndWhy() {
        #expect(failure("{\"a\": 1,\n \"b\": }")?.line == 2)
        #expect(failure("{\"a\": 01}")?.message == "expected ',' or '}' in an object, found '1'")  // no leading zeros
        #expect(failure("[1, 2")?.message.contains("end of the text") == true)
        #expect(failure("\"a\tb\"")?.message.contains("control character") == true)
        #expect(failure("{\"a\": 1} x")?.message == "unexpected text after the JSON value")
        #expect(failure(String(repeating: "[", count: 600))?.message.contains("nested more than") == true)
        #expect(failure("[1.]")?.message.contains("digits after '.'") == true)
        #expect(failure("\"\\ud800\"")?.message.contains("lone UTF-16 surrogate") == true)
    }
}
