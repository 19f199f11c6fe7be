"""The answering core: articles, the embedder, the cached index and the retriever."""
