import Foundation

/// Finds who presents `Authorization: Bearer <token>` among the holders of stored token hashes. Every
/// hash is checked (no early exit), so the time taken does not tell which holder, if any, came close.
public enum BearerAuthentication {
    /// Why a request was not authenticated: logged, never told to the caller (all answer 401).
    public enum Failure: String, Error, Sendable {
        /// No Authorization header.
        case missing
        /// Not `Bearer <token>`.
        case malformed
        /// A `demo-` token while demo mode is off.
        case demoTokenRefused = "demo_token_refused"
        /// No holder has this token.
        case unknownToken = "unknown_token"
    }

    /// The token in an Authorization header.
    public static func token(authorization: String?) -> Result<String, Failure> {
        guard let authorization else { return .failure(.missing) }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .failure(.malformed) }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, !token.contains(where: \.isWhitespace) else { return .failure(.malformed) }
        return .success(token)
    }

    /// The holder whose hash matches the presented token.
    public static func holder<Holder>(
        authorization: String?, among holders: [(holder: Holder, hash: TokenHash)], demoMode: Bool
    ) -> Result<Holder, Failure> {
        let token: String
        switch self.token(authorization: authorization) {
        case .failure(let failure): return .failure(failure)
        case .success(let presented): token = presented
        }
        var found: Holder?
        for (holder, hash) in holders {
            // No early exit: every hash is computed and compared.
            if hash.matches(token), found == nil { found = holder }
        }
        guard let found else { return .failure(.unknownToken) }
        if token.hasPrefix(TokenHash.demoPrefix) && !demoMode { return .failure(.demoTokenRefused) }
        return .success(found)
    }
}

