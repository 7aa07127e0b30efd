import LemmaTensor

/// The header of a NumPy `.npy` file: magic `\x93NUMPY`, a version, a little-endian header length, and a
/// Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (400000, 50), }`. Only what
/// `numpy.save` writes is accepted: those three keys, and a dtype of little-endian float32 or float64.
struct NpyHeader {
    enum ElementType: String {
        case float32 = "<f4"
        case float64 = "<f8"
        var byteSize: Int { self == .float32 ? 4 : 8 }
    }

    let elementType: ElementType
    let fortranOrder: Bool
    let shape: [Int]
    /// Offset of the first element.
    let dataOffset: Int

    init(_ bytes: UnsafeRawBufferPointer, path: String) throws {
        func fail(_ message: String) -> FileFormatError { FileFormatError(path, message) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, bytes.prefix(6).elementsEqual(magic) else {
            throw fail("byte 0: expected the .npy magic \\x93NUMPY")
        }
        let major = bytes[6]
        let headerLength: Int
        let lengthStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            lengthStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("byte 8: file ends inside the header length") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            lengthStart = 12
        default:
            throw fail("byte 6: .npy format version \(major).\(bytes[7]), expected 1, 2 or 3")
        }
        guard headerLength <= bytes.count - lengthStart else {
            throw fail("byte 8: header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        dataOffset = lengthStart + headerLength
        let text = UnsafeRawBufferPointer(rebasing: bytes[lengthStart..<dataOffset])
        try requireUTF8(text, path: path, at: "byte \(lengthStart), the header")
        var parser = PythonLiteralParser(Array(text))
        let dictionary: [String: PythonLiteralParser.Value]
        do {
            dictionary = try parser.parseDictionary()
        } catch let error as PythonLiteralParser.Failure {
            throw fail("byte \(lengthStart + error.offset): header is not a Python dict literal: \(error.message)")
        }
        guard Set(dictionary.keys) == ["descr", "fortran_order", "shape"] else {
            throw fail("header keys are \(dictionary.keys.sorted()), expected descr, fortran_order and shape")
        }
        guard case .string(let descr) = dictionary["descr"]! else { throw fail("header 'descr' is not a string") }
        guard let elementType = ElementType(rawValue: descr) else {
            throw fail("dtype '\(descr)' is not supported; expected '<f4' (little-endian float32) or '<f8' (float64)")
        }
        guard case .bool(let fortranOrder) = dictionary["fortran_order"]! else { throw fail("header 'fortran_order' is not True or False") }
        guard case .tuple(let shape) = dictionary["shape"]! else { throw fail("header 'shape' is not a tuple of integers") }
        guard shape.count == 2 else { throw fail("array has shape \(shape), expected 2 dimensions (rows, columns)") }
        let elements = shape[0].multipliedReportingOverflow(by: shape[1])
        let dataBytes = elements.partialValue.multipliedReportingOverflow(by: elementType.byteSize)
        guard !elements.overflow, !dataBytes.overflow, dataBytes.partialValue == bytes.count - dataOffset else {
            throw fail("array of shape \(shape) and dtype \(descr) needs \(elements.overflow ? "more" : "\(dataBytes.partialValue)") bytes of data, the file has \(bytes.count - dataOffset) after its header")
        }
        self.elementType = elementType
        self.fortranOrder = fortranOrder
        self.shape = shape
    }
}
