/// The environment variables one service reads besides the shared ones (`ServiceSettings.variables`),
/// so that `--help` lists them and start-up does not refuse them as unknown. The service reads their
/// values itself.
extension ServiceName {
    public var ownVariables: [(name: String, meaning: String)] {
        switch self {
        case .intake, .classification, .dispatch, .notification:
            []
        case .console:
            [
                ("MINSHENG_DISPATCH_URL", "dispatch's API, where the console acts (default http://127.0.0.1:8083)"),
                ("MINSHENG_DISPATCH_TOKEN", "the console's token for dispatch, as in dispatch's callers.json (required)"),
                ("MINSHENG_SERVICE_URLS", "the services whose /readyz the screen shows: name=url,… (default the four on 127.0.0.1:8081-8084)"),
                ("MINSHENG_SECURE_COOKIES", "mark session cookies Secure (behind HTTPS): true or false (default false)"),
                ("MINSHENG_SESSION_HOURS", "how long a login lasts, 1-72 hours (default 12)"),
            ]
        }
    }
}
