"""Files and images in the chat (issue 20, point 5): uploads, their storage, thumbnails,
serving them only to those who may read the thread, and their place in GDPR export,
erasure and retention."""
