"""The public demo tokens (docs/security.md): derived from ids, so anyone can compute them; the services
accept them only with MINSHENG_DEMO_MODE=true. Their hashes use a salt derived from the id, so that
regenerating the demo config gives the same files."""
import hashlib, os, sys

sys.path.insert(0, os.path.dirname(__file__))
hash_token = __import__("hash-token")


def demo_token(unit_id):
    """A unit's demo token (dispatch's API; the centre's also for notification's)."""
    return "demo-" + hashlib.sha256(("minsheng-demo:" + unit_id).encode()).hexdigest()[:32]


def demo_sender_token(sender_id):
    """An intake sender's demo token."""
    return "demo-" + hashlib.sha256(("minsheng-demo-sender:" + sender_id).encode()).hexdigest()[:32]


def demo_caller_token(caller_id):
    """A trusted caller's demo token (callers.json: the console)."""
    return "demo-" + hashlib.sha256(("minsheng-demo-caller:" + caller_id).encode()).hexdigest()[:32]


def demo_hash(token, holder_id):
    return hash_token.token_hash(token, hashlib.sha256(("minsheng-demo-salt:" + holder_id).encode()).digest()[:16])
