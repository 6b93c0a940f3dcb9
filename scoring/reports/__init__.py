"""What leaves the pages: exports (CSV, XLSX, JSON), the quarterly report (page and PDF),
charts and the words of scorecards."""
