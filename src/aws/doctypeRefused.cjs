// Replaces fast-xml-parser's DocTypeReader in the production bundle (vite.config.ts, `dropUnusedXmlParts`). The app never
// lets a DOCTYPE reach the parser: src/aws/xml.ts refuses any document that declares one before parsing, because AWS
// answers have none and entity declarations are how XML bombs and external-entity reads start. This keeps that
// refusal if the reader were ever reached, and drops ~14 KB of unused DTD parsing from the download.
"use strict";

class DoctypeRefused {
  readDocType() {
    throw new Error("Document type declarations are not accepted.");
  }
}

module.exports = DoctypeRefused;
