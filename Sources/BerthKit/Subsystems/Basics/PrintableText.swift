/// Text from outside (a name, a key, a value) as it may appear in a message or a comment line:
/// control characters written as `\xNN`, so no raw newline ever ends a line early.
public enum PrintableText {
    public static func escaped(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            if c.value < 0x20 || c.value == 0x7f { out += "\\x" + String(c.value, radix: 16) } else { out.unicodeScalars.append(c) }
        }
        return out
    }

    /// ASCII letters and digits.
    static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
    }
}
