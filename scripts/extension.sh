#!/usr/bin/env bash
# Puts the add-in ZIP into the 1C extension sources, ready for Designer's "load from files".
#
#   bash scripts/extension.sh [--zip PATH] [--language-uuid UUID | --base-config DIR] [--out DIR] [--no-template]
#
# 1. Takes target/bundle/Messenger.zip (made by scripts/build/bundle.sh, run here when missing) or --zip,
#    checks that it is a ZIP with MANIFEST.XML, and copies it to the common template:
#    extension/CommonTemplates/Мсг_КомпонентаMessenger/Ext/Template.bin (git-ignored: the bytes are a
#    build product, not a source). --no-template leaves extension/ untouched (the tests use it).
# 2. Writes a complete copy of the dump, ZIP included, to target/extension/ИнтеграцияМессенджер/
#    (or DIR/ИнтеграцияМессенджер/ with --out DIR). The extension
#    maps its adopted objects (only the language Русский) to the base configuration by name, so the
#    copy loads into any configuration as is. If Designer still asks for the base language, give its
#    UUID: --language-uuid UUID, or --base-config DIR with a dump of the base configuration
#    (DIR/Languages/Русский.xml), and the copy gets <ExtendedConfigurationObject>.
# 3. Prints the Designer and ibcmd commands that load the copy into an infobase and apply it
#    (an imported extension that is not applied answers 404 at /hs/).
set -euo pipefail
cd "$(dirname "$0")/.."

extension_name=ИнтеграцияМессенджер
template_dir=extension/CommonTemplates/Мсг_КомпонентаMessenger/Ext
zip=target/bundle/Messenger.zip
language_uuid=
out_dir=target/extension
fill_template=yes

die() { echo "extension.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --zip) zip=${2:?--zip needs a path}; shift 2 ;;
        --language-uuid) language_uuid=${2:?--language-uuid needs a UUID}; shift 2 ;;
        --base-config)
            base=${2:?--base-config needs a directory}; shift 2
            file=$base/Languages/Русский.xml
            [ -f "$file" ] || die "$file not found: give the directory of a Designer dump of the base configuration"
            language_uuid=$(sed -n 's/.*<Language uuid="\([0-9a-fA-F-]*\)".*/\1/p' "$file" | head -n 1)
            [ -n "$language_uuid" ] || die "no <Language uuid=...> in $file"
            ;;
        --out) out_dir=${2:?--out needs a directory}; shift 2 ;;
        --no-template) fill_template=no; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done

if [ -n "$language_uuid" ] && ! [[ $language_uuid =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]]; then
    die "'$language_uuid' is not a UUID"
fi

if [ ! -f "$zip" ]; then
    [ "$zip" = target/bundle/Messenger.zip ] || die "$zip not found"
    bash scripts/build/bundle.sh >/dev/null
fi
# A template of type AddIn must hold the ZIP itself, with MANIFEST.XML at its root.
[ "$(head -c 4 "$zip" | od -An -tx1 | tr -d ' ')" = 504b0304 ] || die "$zip is not a ZIP file"
listing=$(unzip -Z1 "$zip") || die "$zip cannot be read as a ZIP"
grep -qx MANIFEST.XML <<<"$listing" || die "$zip has no MANIFEST.XML at its root"

if [ "$fill_template" = yes ]; then
    mkdir -p "$template_dir"
    cp "$zip" "$template_dir/Template.bin"
    echo "extension.sh: $(du -h "$template_dir/Template.bin" | cut -f1) ZIP in $template_dir/Template.bin"
fi

out=$out_dir/$extension_name
rm -rf "$out"
mkdir -p "$out_dir"
cp -R extension "$out"
mkdir -p "$out/${template_dir#extension/}"
cp "$zip" "$out/${template_dir#extension/}/Template.bin"
if [ -n "$language_uuid" ]; then
    sed -i "s|<Comment/>|<Comment/>\n\t\t\t<ExtendedConfigurationObject>$language_uuid</ExtendedConfigurationObject>|" \
        "$out/Languages/Русский.xml"
fi

echo "extension.sh: ready to load: $out"
sed 's/^/    /' <<<"$listing"
cat <<EOF

Load it into an infobase (copy $out to that machine first) and APPLY it: an extension that is
imported but not applied has no tables and answers 404 at /hs/. Then turn its safe mode off
(safe mode forbids attaching add-ins; see docs/en/extension.md).

Designer, batch mode (client-server: /S"<server>\\<base>" instead of /F):
  1cv8.exe DESIGNER /F"<infobase dir>" /N"<admin>" /P"<password>" /LoadConfigFromFiles "<dir>\\$extension_name" -Extension $extension_name /UpdateDBCfg -Extension $extension_name /Out "<log>"

ibcmd (file infobase: --db-path=<dir>; client-server: --dbms, --db-server, --db-name, ...):
  ibcmd infobase config import --db-path=<dir> --user=<admin> --password=<password> --extension=$extension_name <dir>/$extension_name
  ibcmd infobase config apply --db-path=<dir> --user=<admin> --password=<password> --extension=$extension_name --force
  ibcmd infobase config extension update --db-path=<dir> --user=<admin> --password=<password> --name=$extension_name --safe-mode=no --unsafe-action-protection=no
EOF
