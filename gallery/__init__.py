"""Galleries of enrolled people per tenant: PostgreSQL as store of record (gallery.models,
gallery.store), a faiss index per gallery beside it (gallery.index), dlib face embeddings
(gallery.embedding)."""
