// Types for the two fast-xml-parser modules src/aws/xml.ts imports directly. The package entry (src/fxp.js) is
// CommonJS and always pulls in the XML builder, which this app never uses; importing the parser and the validator
// from their own files keeps ~2 KB gzip of dead code out of the bundle. The types are the package's own.
declare module "fast-xml-parser/src/xmlparser/XMLParser.js" {
  import type { XMLParser } from "fast-xml-parser";
  const Parser: typeof XMLParser;
  export default Parser;
}
declare module "fast-xml-parser/src/validator.js" {
  import type { XMLValidator } from "fast-xml-parser";
  export const validate: typeof XMLValidator.validate;
}
