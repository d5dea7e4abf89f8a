/// Splits a JSON document arriving in pieces into its top-level items, without parsing them:
/// for an array, each element as soon as its last byte arrives; for an object, the whole object.
/// Memory is one item, however long the document. Only brackets, strings and escapes are
/// tracked; each item is parsed (and may be refused) on its own afterwards.
struct JSONElementSplitter {
    enum Failure: Error, Equatable {
        case notJSON, trailingText, unfinished
    }

    private enum Top { case array, object }
    private var top: Top?
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var item: [UInt8] = []
    private var collecting = false
    /// A scalar element (not a conversation: it will be refused) runs to the next `,` or `]`.
    private var scalar = false
    private(set) var finished = false

    /// Feeds the next bytes; returns the items they completed.
    mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws -> [[UInt8]] where Bytes.Element == UInt8 {
        var done: [[UInt8]] = []
        for byte in bytes {
            if finished {
                guard Self.isSpace(byte) else { throw Failure.trailingText }
                continue
            }
            guard let top else {
                if Self.isSpace(byte) || byte == 0xEF || byte == 0xBB || byte == 0xBF { continue }  // a UTF-8 BOM too
                switch byte {
                case UInt8(ascii: "["): self.top = .array; depth = 1
                case UInt8(ascii: "{"): self.top = .object; depth = 1; collecting = true; item = [byte]
                default: throw Failure.notJSON
                }
                continue
            }
            if inString {
                if collecting { item.append(byte) }
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if scalar, depth == 1, byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") {
                done.append(item)
                item = []
                collecting = false
                scalar = false
            }
            if !collecting, top == .array, depth == 1 {
                if Self.isSpace(byte) || byte == UInt8(ascii: ",") { continue }
                if byte == UInt8(ascii: "]") { depth = 0; finished = true; continue }
                collecting = true
                item = []
                if byte != UInt8(ascii: "{") && byte != UInt8(ascii: "[") { scalar = true }
            }
            if collecting { item.append(byte) }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 { throw Failure.notJSON }
                if collecting, !scalar, depth == (top == .array ? 1 : 0) {
                    done.append(item)
                    item = []
                    collecting = false
                    if top == .object { finished = true }
                }
            default: break
            }
        }
        return done
    }

    /// Checks the document ended where its JSON did.
    func finish() throws {
        guard top != nil else { throw Failure.notJSON }
        guard finished else { throw Failure.unfinished }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
