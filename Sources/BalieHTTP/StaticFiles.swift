import Foundation

/// The files of one folder (`www/static`), read into memory at start-up and served from there.
///
/// Only files found inside the folder when it is loaded can ever be served, so `..`, encoded dots
/// and symbolic links that point outside cannot reach anything else. Each file is served under its
/// own name (revalidated with `ETag`) and under a fingerprinted name (`app.3f9a2c1e.css`) that is
/// cached for a year, since its content can never change under that name.
public final class StaticFiles: Sendable {
    public struct Asset: Sendable {
        public let bytes: [UInt8]
        public let contentType: String
        public let etag: String
        public let fingerprintedPath: String
        /// The 200 answers, built once: under the plain name and under the fingerprinted one, each as is
        /// and, for text formats that shrink, gzipped for clients that accept it.
        let plain: Variants
        let fingerprinted: Variants
    }

    /// One file under one name: as is and, when it shrinks, gzipped.
    final class Variants: Sendable {
        let identity: Form
        let gzip: Form?
        /// Both forms carry the same content: a client holding either may revalidate with its tag.
        let etags: [String]

        /// The four prepared answers as libmicrohttpd pointers, for the server's fast path: reading
        /// these touches no reference count.
        private let natives: (ok: NativeAnswer, notModified: NativeAnswer, gzipOK: NativeAnswer?, gzipNotModified: NativeAnswer?)

        init(identity: Form, gzip: Form?) {
            self.identity = identity
            self.gzip = gzip
            etags = [identity.ok.headers["ETag"], gzip?.ok.headers["ETag"]].compactMap { $0 }
            natives = (identity.ok.nativeAnswer, identity.notModified.nativeAnswer, gzip?.ok.nativeAnswer, gzip?.notModified.nativeAnswer)
        }

        /// The answer to a GET or HEAD with these two headers: 200, or 304 when the client holds it.
        func answer(acceptEncoding: String?, ifNoneMatch: String?) -> PreparedResponse {
            let (zipped, notModified) = pick(acceptEncoding: acceptEncoding, ifNoneMatch: ifNoneMatch)
            let form = zipped ? gzip! : identity
            return notModified ? form.notModified : form.ok
        }

        /// The same answer as libmicrohttpd pointers, for the server's fast path.
        func nativeAnswer(acceptEncoding: String?, ifNoneMatch: String?) -> NativeAnswer {
            switch pick(acceptEncoding: acceptEncoding, ifNoneMatch: ifNoneMatch) {
            case (false, false): natives.ok
            case (false, true): natives.notModified
            case (true, false): natives.gzipOK!
            case (true, true): natives.gzipNotModified!
            }
        }

        /// Whether the gzipped form goes out, and whether as a 304.
        private func pick(acceptEncoding: String?, ifNoneMatch: String?) -> (zipped: Bool, notModified: Bool) {
            (natives.gzipOK != nil && Gzip.isAccepted(by: acceptEncoding),
             ifNoneMatch.map { tags in etags.contains { StaticFiles.matches(tags, $0) } } ?? false)
        }
    }

    /// The 200 and the 304 of one form, both prepared.
    struct Form: Sendable {
        let ok: PreparedResponse
        let notModified: PreparedResponse

        init(_ headers: HTTPHeaders, _ bytes: [UInt8]) {
            ok = PreparedResponse(status: .ok, headers: headers, bytes: bytes)
            var validators = headers
            validators["Content-Type"] = nil
            validators["Content-Encoding"] = nil
            notModified = PreparedResponse(status: .notModified, headers: validators, bytes: [])
        }
    }

    /// Formats worth compressing (images and fonts are compressed already).
    static func isCompressible(_ contentType: String) -> Bool {
        contentType.hasPrefix("text/") || contentType.hasPrefix("image/svg+xml") || contentType.hasPrefix("application/json")
            || contentType.hasPrefix("application/manifest+json")
    }

    /// Cache lifetime for fingerprinted names: one year, never revalidated.
    public static let immutableCacheControl = "public, max-age=31536000, immutable"
    /// Plain names: may be cached, but ask each time whether they changed.
    public static let revalidateCacheControl = "public, max-age=0, must-revalidate"

    public let urlPrefix: String
    private let byPath: [String: Asset]
    private let byFingerprint: [String: Asset]
    /// Every servable request path ("/static/css/app.css", "/static/css/app.3f9a2c1e07.css") by its bytes.
    let byRawPath: RawPathTable

    /// `commonHeaders` go on every answer (the application's security headers).
    public init(directory: String, urlPrefix: String = "/static", commonHeaders: HTTPHeaders = HTTPHeaders()) throws {
        self.urlPrefix = urlPrefix
        let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().standardizedFileURL.path
        var byPath: [String: Asset] = [:]
        var byFingerprint: [String: Asset] = [:]
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: root) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory])
        }
        for case let relative as String in enumerator {
            let full = root + "/" + relative
            let resolved = URL(fileURLWithPath: full).resolvingSymlinksInPath().standardizedFileURL.path
            guard resolved.hasPrefix(root + "/") else { continue }  // a link that leads outside
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue,
                let data = manager.contents(atPath: resolved)
            else { continue }
            let name = (relative as NSString).lastPathComponent
            guard !name.hasPrefix(".") else { continue }
            let bytes = Array(data)
            let hash = Self.fnv1a(bytes)
            let short = String(hash, radix: 16).leftPadded(to: 16).prefix(10)
            let fingerprinted = Self.fingerprintedName(relative, hash: String(short))
            let contentType = Self.contentType(forExtension: (relative as NSString).pathExtension)
            let etag = "\"\(String(hash, radix: 16))\""
            // Compressed once here, kept only when it saves something.
            let gzipped = Self.isCompressible(contentType) ? Gzip.compress(bytes).flatMap { $0.count < bytes.count ? $0 : nil } : nil
            func prepared(_ cacheControl: String) -> Variants {
                var headers = commonHeaders
                headers["ETag"] = etag
                headers["Cache-Control"] = cacheControl
                headers["Content-Type"] = contentType
                guard let gzipped else { return Variants(identity: Form(headers, bytes), gzip: nil) }
                // Caches must keep the two apart; each has its own validator.
                headers["Vary"] = "Accept-Encoding"
                var compressed = headers
                compressed["Content-Encoding"] = "gzip"
                compressed["ETag"] = String(etag.dropLast()) + "-gzip\""
                return Variants(identity: Form(headers, bytes), gzip: Form(compressed, gzipped))
            }
            let asset = Asset(
                bytes: bytes, contentType: contentType, etag: etag, fingerprintedPath: "\(urlPrefix)/\(fingerprinted)",
                plain: prepared(Self.revalidateCacheControl), fingerprinted: prepared(Self.immutableCacheControl))
            byPath[relative] = asset
            byFingerprint[fingerprinted] = asset
        }
        self.byPath = byPath
        self.byFingerprint = byFingerprint
        byRawPath = RawPathTable(
            byPath.map { ("\(urlPrefix)/\($0.key)", $0.value.plain) }
                + byFingerprint.map { ("\(urlPrefix)/\($0.key)", $0.value.fingerprinted) })
    }

    /// The fingerprinted URL of a file ("css/app.css" → "/static/css/app.3f9a2c1e07.css").
    public func url(for relativePath: String) -> String {
        byPath[relativePath]?.fingerprintedPath ?? "\(urlPrefix)/\(relativePath)"
    }

    public func asset(at relativePath: String) -> Asset? { byPath[relativePath] }

    public var count: Int { byPath.count }

    /// Answers a GET or HEAD under the prefix: 200, 304 when the `ETag` matches, 404 otherwise.
    public func respond(to request: Request, relativePath: String) -> Response {
        let variants: Variants
        if let found = byFingerprint[relativePath] {
            variants = found.fingerprinted
        } else if let found = byPath[relativePath] {
            variants = found.plain
        } else {
            return Response(status: .notFound, contentType: "text/plain; charset=utf-8", bytes: Array("Not found".utf8))
        }
        return variants.answer(
            acceptEncoding: request.headers["Accept-Encoding"], ifNoneMatch: request.headers["If-None-Match"]
        ).response
    }

    static func matches(_ ifNoneMatch: String, _ etag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { tag in
            let tag = tag.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }

    static func fingerprintedName(_ relative: String, hash: String) -> String {
        guard let dot = relative.lastIndex(of: "."), !relative[dot...].contains("/") else { return relative + "." + hash }
        return relative[..<dot] + "." + hash + relative[dot...]
    }

    static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    public static func contentType(forExtension ext: String) -> String {
        switch ext.lowercased() {
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "webmanifest": "application/manifest+json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "woff": "font/woff"
        case "html", "htm": "text/html; charset=utf-8"
        case "txt": "text/plain; charset=utf-8"
        case "wav": "audio/wav"
        case "mp3": "audio/mpeg"
        default: "application/octet-stream"
        }
    }
}

/// Prepared files by the bytes of their raw request path: open addressing on an FNV-1a hash, so that
/// the server's fast path finds a file from libmicrohttpd's C string without making a `String`.
/// Paths with percent signs are left out: those requests take the ordinary way, which decodes them.
struct RawPathTable: Sendable {
    private final class Slot: Sendable {
        let hash: UInt64
        let path: [UInt8]
        let variants: StaticFiles.Variants
        init(hash: UInt64, path: [UInt8], variants: StaticFiles.Variants) {
            self.hash = hash
            self.path = path
            self.variants = variants
        }
    }

    private let slots: [Slot?]
    private let mask: Int

    init(_ entries: [(String, StaticFiles.Variants)]) {
        let usable = entries.filter { !$0.0.utf8.contains(UInt8(ascii: "%")) }
        var size = 16
        while size < usable.count * 2 { size *= 2 }
        var slots = [Slot?](repeating: nil, count: size)
        for (path, variants) in usable {
            let bytes = Array(path.utf8)
            let hash = StaticFiles.fnv1a(bytes)
            var index = Int(truncatingIfNeeded: hash) & (size - 1)
            while slots[index] != nil { index = (index + 1) & (size - 1) }
            slots[index] = Slot(hash: hash, path: bytes, variants: variants)
        }
        self.slots = slots
        mask = size - 1
    }

    func lookup(_ path: UnsafeRawBufferPointer) -> StaticFiles.Variants? {
        let hash = StaticFiles.fnv1a(path)
        var index = Int(truncatingIfNeeded: hash) & mask
        while let slot = slots[index] {
            if slot.hash == hash, slot.path.elementsEqual(path) { return slot.variants }
            index = (index + 1) & mask
        }
        return nil
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
