"""Alert rules on saved searches: evaluated as batches are stored (`engine`), by windows
(`windows`), told to webhooks (`webhook`) and to the app's own log."""
