import Foundation

/// Sends one stored notification over its channel. The payload and target were fixed when the
/// notification was planned; senders add only what must be fresh (signatures, timestamps).
///
/// Idempotency (a retry after a crash between the receiver's answer and its record): webhooks and the
/// SMS gateway get `Idempotency-Key: <notification id>`, the same on every attempt (SMS gateways that
/// take a client serial number get it in the body too, `{{{notificationId}}}`); duty-group robots
/// (DingTalk, WeCom) have no such key, so a crash at that moment can repeat a robot message once.
struct ChannelSenders: Sendable {
    let settings: ChannelSettings
    let poster: HTTPPoster

    func send(_ notification: NotificationStore.Pending, now: Date) async -> DeliveryOutcome {
        switch notification.channel {
        case "webhook":
            var headers = ["Idempotency-Key": notification.id, "X-Minsheng-Notification-Kind": notification.kind]
            if let unitId = notification.unitId, let secret = settings.units[unitId]?.webhookSecret {
                let timestamp = Signing.webhookTimestamp(now)
                headers["X-Minsheng-Timestamp"] = timestamp
                headers["X-Minsheng-Signature"] = Signing.webhookSignature(body: notification.payload, secret: secret, timestamp: timestamp)
            }
            let answer = await poster.post(notification.payload, to: notification.target, headers: headers)
            return HTTPPoster.outcome(status: answer.status, error: answer.error)
        case "dingtalk", "wecom":
            var url = notification.target
            if notification.channel == "dingtalk", let unitId = notification.unitId,
               let secret = settings.units[unitId]?.robot?.secret {
                url = Signing.robotSignedURL(url, secret: secret, at: now)
            }
            let answer = await poster.post(notification.payload, to: url, headers: [:])
            return Self.robotOutcome(status: answer.status, body: answer.body, error: answer.error)
        case "sms":
            let headers = settings.sms.headers.merging(["Idempotency-Key": notification.id]) { configured, _ in configured }
            let answer = await poster.post(notification.payload, to: notification.target, headers: headers)
            return HTTPPoster.outcome(status: answer.status, error: answer.error)
        default:
            return .rejected(detail: "channel \(notification.channel) cannot send")
        }
    }

    /// Robots answer HTTP 200 with `{"errcode": 0}` on success; another errcode is a refusal, except
    /// "sending too fast" (DingTalk 130101, WeCom 45009), which is retried.
    static func robotOutcome(status: Int?, body: Data, error: String?) -> DeliveryOutcome {
        let http = HTTPPoster.outcome(status: status, error: error)
        guard case .delivered = http else { return http }
        guard let answer = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let code = (answer["errcode"] as? NSNumber)?.intValue else {
            return .failed(detail: "robot answered without errcode")
        }
        let message = answer["errmsg"] as? String ?? ""
        switch code {
        case 0: return .delivered(detail: "errcode 0")
        case 130101, 45009: return .failed(detail: "robot rate limit: errcode \(code) \(message)")
        default: return .rejected(detail: "robot refused: errcode \(code) \(message)")
        }
    }
}
