"""The corpus directory (writer, reader, manifest) and the state store."""
from copydesk.storage.corpus import Corpus, CorpusWriter, PartInfo, RawResponse, Record, read_part, warc_member, write_manifest
from copydesk.storage.lock import CorpusLock, CorpusNotWritable, LockedError
from copydesk.storage.state import StateError, StateStore, StoredDoc
from copydesk.storage.urls import doc_id, host, identity_url, same_site, url_key

__all__ = [
    "Corpus", "CorpusLock", "CorpusNotWritable", "CorpusWriter", "LockedError", "PartInfo", "RawResponse", "Record", "StateError",
    "StateStore", "StoredDoc", "doc_id", "host", "identity_url", "read_part", "same_site", "url_key", "warc_member", "write_manifest",
]
