import Foundation

/// UUID text without Foundation's formatting and parsing, which on Linux go through `snprintf`
/// and `sscanf`: measured as 7 % of listing a hundred conversations, whose ids SQLite keeps as text.
extension UUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The lowercase canonical form the API's ids take.
    var lowercasedString: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var index = 0
                for (position, byte) in bytes.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        out[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    out[index] = Self.hexDigits[Int(byte >> 4)]
                    out[index + 1] = Self.hexDigits[Int(byte & 0x0F)]
                    index += 2
                }
                return 36
            }
        }
    }

    /// Parses the canonical 36-character form, in either case; `nil` for anything else.
    init?(canonicalText text: String) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = text.utf8.withContiguousStorageIfAvailable { source -> Bool in
            guard source.count == 36 else { return false }
            return withUnsafeMutableBytes(of: &bytes) { target in
                var input = 0
                for output in 0..<16 {
                    if input == 8 || input == 13 || input == 18 || input == 23 {
                        guard source[input] == UInt8(ascii: "-") else { return false }
                        input += 1
                    }
                    guard let high = Self.nibble(source[input]), let low = Self.nibble(source[input + 1]) else { return false }
                    target[output] = high << 4 | low
                    input += 2
                }
                return true
            }
        }
        guard parsed == true else { return nil }
        self.init(uuid: bytes)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
