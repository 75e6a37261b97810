import Foundation
import HTTPTypes
import Hummingbird
import MinshengPlatform

/// The web application: one page (`/`) and its script, style sheet and icon (`/assets/…`), shipped with
/// the executable (no CDN, nothing from the internet). Strict headers: only the console's own scripts
/// and styles run (Content-Security-Policy), no framing, no sniffing.
struct PagesController: Sendable {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
        var etag: String
    }

    let assets: [String: Asset]

    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    /// Loads the files of `directory` (the `Web` resources).
    static func load(directory: URL) throws(ConfigurationError) -> PagesController {
        var assets: [String: Asset] = [:]
        let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
                     "svg": "image/svg+xml"]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in files {
            guard let type = types[(file as NSString).pathExtension],
                  let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) else { continue }
            let hash = data.reduce(into: UInt64(14_695_981_039_346_656_037)) { $0 = ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
            assets[file] = Asset(bytes: Array(data), contentType: type, etag: "\"\(String(hash, radix: 16))\"")
        }
        guard assets["index.html"] != nil, assets["app.js"] != nil, assets["app.css"] != nil else {
            throw ConfigurationError("the console's web files are missing in \(directory.path) (index.html, app.js, app.css)")
        }
        return PagesController(assets: assets)
    }

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/") { request, _ in serve("index.html", request) }
        router.get("/assets/:file") { request, context in serve(context.parameters.get("file") ?? "", request) }
    }

    private func serve(_ name: String, _ request: Request) -> Response {
        guard name != "index.html" || request.uri.path == "/", let asset = assets[name] else {
            return HTTPServer.errorResponse(.notFound, code: "not_found", message: "没有此页面")
        }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.contentType
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "no-cache"
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
