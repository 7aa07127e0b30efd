import Foundation
import LemmaTensor

/// A two-dimensional float32 or float64 array in a NumPy `.npy` file, memory-mapped: rows are read on
/// demand, so picking the rows of a vocabulary out of a large matrix costs only those rows. Both C order
/// and Fortran (column-major) order are read; float64 values are rounded to float32.
public final class NpyMatrix {
    public let path: String
    public let rows: Int
    public let columns: Int
    /// Whether the file stores the matrix column by column (`fortran_order: True`).
    public let isFortranOrder: Bool
    public let isFloat64: Bool
    private let file: MappedFile
    private let dataOffset: Int

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(URL(fileURLWithPath: path))
        let header = try NpyHeader(UnsafeRawBufferPointer(file.buffer(of: UInt8.self)), path: path)
        rows = header.shape[0]
        columns = header.shape[1]
        isFortranOrder = header.fortranOrder
        isFloat64 = header.elementType == .float64
        dataOffset = header.dataOffset
    }

    /// Element (`row`, `column`).
    @inline(__always)
    public func element(_ row: Int, _ column: Int) -> Float {
        precondition(row >= 0 && row < rows && column >= 0 && column < columns, "NpyMatrix: (\(row), \(column)) out of \(rows) × \(columns)")
        let index = isFortranOrder ? column * rows + row : row * columns + column
        let bytes = UnsafeRawBufferPointer(file.buffer(of: UInt8.self))
        if isFloat64 {
            return Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: dataOffset + 8 * index, as: UInt64.self))))
        }
        return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: dataOffset + 4 * index, as: UInt32.self)))
    }

    /// Copies row `row` into `destination` (`columns` floats).
    public func copyRow(_ row: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(destination.count >= columns, "NpyMatrix.copyRow: destination holds \(destination.count) floats, need \(columns)")
        for j in 0..<columns { destination[j] = element(row, j) }
    }

    /// The whole matrix as a `[rows, columns]` tensor in row-major order.
    public func tensor() -> Tensor {
        let result = Tensor.zeros([rows, columns])
        result.withUnsafeMutableBufferPointer { values in
            if isFortranOrder {
                // Walk the file in its own order; writes stride through the result.
                for j in 0..<columns { for i in 0..<rows { values[i * columns + j] = element(i, j) } }
            } else {
                for i in 0..<rows { copyRow(i, into: UnsafeMutableBufferPointer(rebasing: values[(i * columns)...])) }
            }
        }
        return result
    }
}
