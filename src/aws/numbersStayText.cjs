// Replaces the `strnum` number parser inside fast-xml-parser in the production bundle (vite.config.ts,
// `dropUnusedXmlParts`). src/aws/xml.ts pins `parseTagValue: false` and `parseAttributeValue: false` — an account id
// such as 012345678901 must keep its leading zero — so the parser never calls it (OrderedObjParser's parseValue only
// does when asked to convert). Text stays text, as with those options.
"use strict";

module.exports = function numbersStayText(value) {
  return value;
};
