"""Regenerates IGOSppSans.ttf from Debian's DejaVu Sans (packages fonts-dejavu-core and python3-fonttools):
/usr/bin/python3 make_subset.py"""
from fontTools import subset
from fontTools.ttLib import TTFont

options = subset.Options()
options.layout_features = ['kern', 'liga']
options.name_IDs = ['*']
options.hinting = False
options.desubroutinize = True
font = TTFont('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf')
subsetter = subset.Subsetter(options)
unicodes = list(range(0x20, 0x7f)) + list(range(0xa0, 0x100)) + [
    0x2013, 0x2014, 0x2026, 0x2190, 0x2192, 0x2212, 0x00d7, 0x2264, 0x2265, 0x2248,
    0x3b1, 0x3b2, 0x3b3, 0x3bb, 0x3c3, 0x394, 0x2022]
subsetter.populate(unicodes=unicodes)
subsetter.subset(font)
# The Bitstream Vera license requires modified fonts to be renamed.
for record in font['name'].names:
    if record.nameID in (1, 4, 16, 21):
        record.string = 'IGOSpp Sans'
    elif record.nameID == 6:
        record.string = 'IGOSppSans'
    elif record.nameID == 3:
        record.string = 'IGOSpp Sans subset of DejaVu Sans 2.37'
font.save('IGOSppSans.ttf')
