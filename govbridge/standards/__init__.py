"""Data standards (数据元): data elements, code tables and the value rules they imply."""
