import Foundation
import Hummingbird
import Spec

/// The dashboard's files, built into the binary (see the WebAssets plugin), decoded once on first use.
public enum EmbeddedWeb {
    /// One file: its bytes and the ETag that names this version of it.
    public struct File: Sendable {
        public let bytes: [UInt8]
        public let etag: String
    }

    /// Path under web/ (`index.html`, `js/app.js`) → the file.
    public static let files: [String: File] = WebAssets.base64.compactMapValues { text in
        Data(base64Encoded: text).map { File(bytes: [UInt8]($0), etag: "\"\(StableHash.hex($0))\"") }
    }

    /// The media type for a file name, from its extension.
    static func mediaType(_ path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        default: "application/octet-stream"
        }
    }
}

/// Serves GET and HEAD of the embedded dashboard (`/` is `index.html`); anything else goes on to the routes.
/// `no-cache` with an ETag, like the file middleware it stands in for: a browser revalidates, so an upgraded
/// binary's dashboard shows at once.
public struct EmbeddedWebMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        var path = String(request.uri.path.dropFirst())
        if path.isEmpty || path.hasSuffix("/") { path += "index.html" }
        guard let file = EmbeddedWeb.files[path] else { return try await next(request, context) }
        var headers: HTTPFields = [.contentType: EmbeddedWeb.mediaType(path), .cacheControl: "no-cache", .eTag: file.etag]
        if request.headers[.ifNoneMatch] == file.etag { return Response(status: .notModified, headers: headers) }
        headers[.contentLength] = String(file.bytes.count)
        let body = request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes))
        return Response(status: .ok, headers: headers, body: body)
    }
}
