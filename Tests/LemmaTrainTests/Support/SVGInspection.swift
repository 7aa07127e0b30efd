import Foundation
import FoundationXML
import Testing

/// Parses an SVG (or XHTML) string and finds elements by name and class, for structural checks.
struct ParsedMarkup {
    let root: XMLElement

    init(_ text: String) throws {
        let document = try XMLDocument(xmlString: text, options: [])
        root = try #require(document.rootElement())
    }

    /// All elements (in document order) whose local name is `name`, optionally with `class` equal to `className`.
    func elements(_ name: String? = nil, class className: String? = nil, in element: XMLElement? = nil) -> [XMLElement] {
        var found: [XMLElement] = []
        func visit(_ node: XMLElement) {
            let localName = node.localName ?? node.name ?? ""
            if (name == nil || localName == name) && (className == nil || node.attribute("class") == className) {
                found.append(node)
            }
            for case let child as XMLElement in node.children ?? [] { visit(child) }
        }
        visit(element ?? root)
        return found
    }
}

extension XMLElement {
    /// The attribute's value. (Searches the list: on Linux, `attribute(forName:)` finds nothing in a document
    /// with a default namespace, such as any SVG.)
    func attribute(_ name: String) -> String? {
        attributes?.first { $0.name == name }?.stringValue
    }

    func number(_ name: String) -> Double? { attribute(name).flatMap(Double.init) }

    /// Text content with surrounding whitespace trimmed.
    var text: String { (stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
}
