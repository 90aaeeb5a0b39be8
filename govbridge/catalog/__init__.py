"""The catalog (政务信息资源目录): datasets, their versions, review, search and export."""
